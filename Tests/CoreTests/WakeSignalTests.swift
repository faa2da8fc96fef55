import Core
import Foundation
import Testing

@Suite("Wake signal")
struct WakeSignalTests {
    @Test("A signal wakes the waiter long before the timeout")
    func wakes() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        async let waited: Void = signal.wait(upTo: .seconds(30))
        try? await Task.sleep(for: .milliseconds(50))
        signal.signal()
        await waited
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("A signal sent while nobody waits is kept for the next wait, once")
    func keeps() async {
        let signal = WakeSignal()
        signal.signal()
        signal.signal()
        let first = ContinuousClock.now
        await signal.wait(upTo: .seconds(30))
        #expect(ContinuousClock.now - first < .seconds(10))
        let second = ContinuousClock.now
        await signal.wait(upTo: .milliseconds(300))
        #expect(ContinuousClock.now - second >= .milliseconds(250), "the two signals were kept as one")
    }

    @Test("Without a signal the wait ends at the timeout")
    func timesOut() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        await signal.wait(upTo: .milliseconds(200))
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(190) && waited < .seconds(10))
    }

    @Test("Cancelling the waiting task ends the wait at once")
    func cancellation() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        let task = Task { await signal.wait(upTo: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - started < .seconds(10))
        // The cancellation's own wake-up is not left behind for the next waiter.
        let next = ContinuousClock.now
        await signal.wait(upTo: .milliseconds(300))
        #expect(ContinuousClock.now - next >= .milliseconds(250))
    }

    @Test("Thousands of signals from many tasks while the loop waits repeatedly: no wait hangs")
    func manySignals() async {
        let signal = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<1000 { signal.signal(); await Task.yield() } }
            }
            group.addTask {
                for _ in 0..<200 { await signal.wait(upTo: .milliseconds(20)) }
            }
        }
    }
}
