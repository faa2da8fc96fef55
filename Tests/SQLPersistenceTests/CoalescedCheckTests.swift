import Synchronization
import TestSupport
import Testing

@testable import SQLPersistence

/// Concurrent readers of the change counter share reads, but never one that began before they arrived.
@Suite("Coalesced check")
struct CoalescedCheckTests {
    /// A check that reads the test's "commit" count, then waits until the test lets it finish.
    final class GatedCheck: Sendable {
        private struct State {
            var commits = 0
            var started = 0
            var gates: [CheckedContinuation<Void, Never>] = []
        }

        private let state = Mutex(State())

        func commit() { state.withLock { $0.commits += 1 } }
        var started: Int { state.withLock { $0.started } }

        func run() async -> Int {
            let seen = state.withLock { state in
                state.started += 1
                return state.commits
            }
            await withCheckedContinuation { gate in state.withLock { $0.gates.append(gate) } }
            return seen
        }

        /// Lets the oldest waiting run finish, once it is waiting.
        func release() async {
            while true {
                let gate = state.withLock { state in state.gates.isEmpty ? nil : state.gates.removeFirst() }
                if let gate { return gate.resume() }
                await Task.yield()
            }
        }
    }

    @Test("Callers arriving during a read share the next read, which sees the commits before their arrival")
    func arrivalsDuringARead() async throws {
        let gated = GatedCheck()
        let check = CoalescedCheck { await gated.run() }

        let first = Task { await check.value() }
        try await waitUntil { gated.started == 1 }
        // A commit lands after the first read began: the callers arriving now must not get that read.
        gated.commit()
        let second = Task { await check.value() }
        let third = Task { await check.value() }
        try await waitUntil { check.waiting == 2 }

        await gated.release()
        #expect(await first.value == 0)
        try await waitUntil { gated.started == 2 }
        await gated.release()

        #expect(await second.value == 1)
        #expect(await third.value == 1)
        #expect(check.runs == 2)
    }

    final class Commits: Sendable {
        let count = Atomic(0)
    }

    @Test("Many concurrent callers: each sees every commit made before it asked, with fewer reads than callers")
    func manyCallers() async throws {
        let commits = Commits()
        let check = CoalescedCheck {
            let seen = commits.count.load(ordering: .sequentiallyConsistent)
            try? await Task.sleep(for: .milliseconds(1))
            return seen
        }
        let callers = 500

        let stale = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    let before = commits.count.add(1, ordering: .sequentiallyConsistent).newValue
                    return await check.value() < before
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }

        #expect(stale == 0)
        #expect(check.runs < callers)
        #expect(check.waiting == 0)
    }
}
