import Core
import Foundation
import SecurityAdapters

/// A point a task under test stops at until the test lets it go, so two requests can be interleaved
/// exactly as a test wants, with no sleeps.
final class Checkpoint: Sendable {
    private let arrivals = AsyncStream<Void>.makeStream()
    private let releases = AsyncStream<Void>.makeStream()

    /// Called by the task under test: reports its arrival, then waits to be released.
    func pass() async {
        arrivals.continuation.yield()
        for await _ in releases.stream { break }
    }

    /// Called by the test: true once a task has arrived, false after `seconds` without one. Generous:
    /// only a safety net against hanging, and bcrypt runs at a low priority on a machine that may be busy.
    func reached(within seconds: Double = 300) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [arrivals] in
                for await _ in arrivals.stream { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    func release() { releases.continuation.yield() }
}

/// The real bcrypt hasher, stopping at `checkpoint` in the middle of the password work that involves
/// `heldPassword`: after verifying it, or after hashing it.
final class GatedHasher: PasswordHasher {
    enum Step: Sendable { case verify, hash }

    let base = BcryptPasswordHasher(cost: 10, threads: 1)
    let checkpoint = Checkpoint()
    let heldPassword: String
    let step: Step

    init(holding password: String, at step: Step) {
        self.heldPassword = password
        self.step = step
    }

    func hash(_ password: String) async throws -> String {
        let hashed = try await base.hash(password)
        if step == .hash, password == heldPassword { await checkpoint.pass() }
        return hashed
    }

    func verify(_ password: String, against hash: String) async -> Bool {
        let matches = await base.verify(password, against: hash)
        if step == .verify, password == heldPassword { await checkpoint.pass() }
        return matches
    }

    func verifyDecoy(_ password: String) async { await base.verifyDecoy(password) }
}
