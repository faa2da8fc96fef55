import Core
import Foundation
import Testing

/// The throttle's arithmetic, without I/O.
@Suite("Login throttle policy")
struct LoginThrottlePolicyTests {
    static let policy = LoginThrottle.Policy(freeFailures: 5, freeFailuresPerAddress: 20, baseDelay: 1, maximumDelay: 900)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("Delay after n failures: none within the free ones, then doubling, capped", arguments: [
        (0, AttemptKey.Scope.account, 0.0), (4, .account, 0), (5, .account, 1), (6, .account, 2), (7, .account, 4),
        (14, .account, 512), (15, .account, 900), (1_000_000, .account, 900),
        (19, .address, 0), (20, .address, 1), (23, .address, 8),
    ] as [(Int, AttemptKey.Scope, TimeInterval)])
    func delays(failures: Int, scope: AttemptKey.Scope, expected: TimeInterval) {
        #expect(Self.policy.delay(afterFailures: failures, scope: scope) == expected)
    }

    @Test("Retry-After is the longest remaining wait, rounded up to whole seconds, or nil when none remains", arguments: [
        // (account failures, seconds since the account's last failure, address failures, seconds since, expected)
        (5, 0.0, 0, 0.0, 1 as Int?), (5, 0.2, 0, 0, 1), (5, 1.0, 0, 0, nil), (7, 1.5, 0, 0, 3),
        (4, 0, 19, 0, nil), (4, 0, 22, 1, 3), (8, 0, 22, 0, 8), (30, 10, 0, 0, 890), (3, 0, 25, 31.5, 1),
    ] as [(Int, TimeInterval, Int, TimeInterval, Int?)])
    func retryAfter(accountFailures: Int, accountAge: TimeInterval, addressFailures: Int, addressAge: TimeInterval, expected: Int?) {
        var records: [AttemptKey: FailureRecord] = [:]
        if accountFailures > 0 { records[.account(email: "ada@example.com")] = .init(failures: accountFailures, lastFailure: Self.now - accountAge) }
        if addressFailures > 0 { records[.address("192.0.2.1")] = .init(failures: addressFailures, lastFailure: Self.now - addressAge) }

        #expect(Self.policy.retryAfter(records, now: Self.now) == expected)
    }

    @Test("Idle runs are forgotten only after the longest delay has long passed")
    func forgetting() {
        #expect(Self.policy.forgetAfter == 3600)
        #expect(LoginThrottle.Policy(maximumDelay: 86_400).forgetAfter == 172_800)
    }
}
