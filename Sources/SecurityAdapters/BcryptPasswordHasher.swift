import Core
import Foundation
import HummingbirdBcrypt
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// bcrypt on a thread pool of its own, so hashing never runs on (or waits for) a NIO event loop,
/// and at most `threads` hashes run at once however many logins arrive.
///
/// The pool's threads run at a lower scheduling priority: when logins and ordinary requests compete
/// for the CPU, ordinary requests win, and logins get every cycle that is left.
public final class BcryptPasswordHasher: PasswordHasher {
    /// The lowest cost we accept; below it bcrypt is too cheap to slow an offline attack.
    public static let minimumCost = 10

    let cost: UInt8
    let pool: NIOThreadPool
    /// A hash of a random secret at our cost, made on first use (making it costs one hash).
    let decoyHash = NIOLockedValueBox<String?>(nil)

    public init(cost: Int, threads: Int = System.coreCount) {
        precondition(cost >= Self.minimumCost && cost <= 31, "bcrypt cost out of range")
        self.cost = UInt8(cost)
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        // Lower each worker's priority once, from inside the worker (Linux applies `nice` per thread).
        for _ in 0..<max(1, threads) {
            pool.submit { _ in Self.lowerCurrentThreadPriority() }
        }
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    public func hash(_ password: String) async throws -> String {
        // bcrypt stops at the first NUL: the rest of such a password would be silently ignored.
        guard !password.utf8.contains(0) else { throw DomainError.invalid("password must not contain NUL characters") }
        let cost = self.cost
        return try await pool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// A password with a NUL never matches (bcrypt would compare only what precedes it), after the
    /// same work as any other attempt.
    public func verify(_ password: String, against hash: String) async -> Bool {
        let matches = (try? await pool.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
        return matches && !password.utf8.contains(0)
    }

    public func verifyDecoy(_ password: String) async {
        let decoy: String
        if let existing = decoyHash.withLockedValue({ $0 }) {
            decoy = existing
        } else {
            decoy = (try? await hash(SecretGenerator.randomToken())) ?? ""
            decoyHash.withLockedValue { $0 = $0 ?? decoy }
        }
        _ = await verify(password, against: decoy)
    }

    static func lowerCurrentThreadPriority() {
        #if os(Linux)
        // With `who == 0`, Linux applies the nice value to the calling thread only.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
