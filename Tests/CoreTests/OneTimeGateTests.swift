import Core
import Synchronization
import Testing

@Suite("One-time gate", .timeLimit(.minutes(5)))
struct OneTimeGateTests {
    /// How many of the tasks have returned from `wait()`.
    final class Returned: Sendable {
        let count = Atomic(0)
        func add() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    @Test("Waiters suspended before it opens all return when it does; later waits return at once")
    func opens() async {
        let gate = OneTimeGate()
        let returned = Returned()
        let waiters = (0..<50).map { _ in Task { await gate.wait(); returned.add() } }
        try? await Task.sleep(for: .milliseconds(100))
        #expect(returned.value == 0 && !gate.isOpen)

        gate.open()
        for waiter in waiters { await waiter.value }
        #expect(returned.value == 50 && gate.isOpen)
        await gate.wait()
        gate.open()  // opening twice changes nothing
        await gate.wait()
    }

    @Test("A cancelled waiter returns at once; the others keep waiting")
    func cancelledWaiter() async {
        let gate = OneTimeGate()
        let returned = Returned()
        let cancelled = Task { await gate.wait() }
        let kept = Task { await gate.wait(); returned.add() }
        try? await Task.sleep(for: .milliseconds(50))

        cancelled.cancel()
        await cancelled.value
        try? await Task.sleep(for: .milliseconds(100))
        #expect(returned.value == 0, "cancelling one waiter released another")

        gate.open()
        await kept.value
        #expect(returned.value == 1)
    }

    @Test("A task cancelled before it waits does not wait")
    func cancelledBeforeWaiting() async {
        let gate = OneTimeGate()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await gate.wait()
        }
        await task.value
        #expect(!gate.isOpen)
    }

    @Test("Waits racing the opening and cancellations all return")
    func races() async {
        let gate = OneTimeGate()
        let returned = Returned()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<2_000 {
                if index == 1_000 { group.addTask { gate.open() } }
                let waiter = Task { await gate.wait(); returned.add() }
                if index % 7 == 0 { waiter.cancel() }
                group.addTask { await waiter.value }
            }
        }
        #expect(returned.value == 2_000)
    }
}
