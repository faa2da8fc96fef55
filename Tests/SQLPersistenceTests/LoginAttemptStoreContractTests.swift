import Core
import Foundation
import SQLPersistence
import TestSupport
import Testing

/// The contract of `LoginAttemptStore`, run on each SQL engine; counting is shared by every client
/// of the database (two pools here, as two processes would have).
@Suite("LoginAttemptStore contract")
struct LoginAttemptStoreContractTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let longAgo = now.addingTimeInterval(-3600)
    static let ada = AttemptKey.account(email: "Ada@Example.com ")
    static let home = AttemptKey.address("192.0.2.1")

    static func withStores(
        _ backend: TestBackend, _ body: @Sendable (SQLLoginAttemptStore, SQLLoginAttemptStore) async throws -> Void
    ) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { first in
                try await Migrator(client: first, logger: testLogger).migrate()
                try await withClient(database) { second in
                    try await body(SQLLoginAttemptStore(client: first), SQLLoginAttemptStore(client: second))
                }
            }
        }
    }

    @Test("Failures are counted per key, the account and the address apart", arguments: TestBackend.available)
    func counting(backend: TestBackend) async throws {
        try await Self.withStores(backend) { store, _ in
            let first = try await store.recordFailure(of: [Self.ada, Self.home], at: Self.now, since: Self.longAgo)
            let second = try await store.recordFailure(of: [Self.ada], at: Self.now + 5, since: Self.longAgo)

            #expect(first == [Self.ada: .init(failures: 1, lastFailure: Self.now), Self.home: .init(failures: 1, lastFailure: Self.now)])
            #expect(second == [Self.ada: .init(failures: 2, lastFailure: Self.now + 5)])
            let read = try await store.failures(of: [Self.ada, Self.home, .address("198.51.100.7")], since: Self.longAgo)
            #expect(read == [Self.ada: .init(failures: 2, lastFailure: Self.now + 5), Self.home: .init(failures: 1, lastFailure: Self.now)])
            #expect(Self.ada.value == "ada@example.com", "the account key is the case-folded, trimmed email")
        }
    }

    @Test("Concurrent failures through two clients are all counted", arguments: TestBackend.available)
    func concurrentFailures(backend: TestBackend) async throws {
        try await Self.withStores(backend) { first, second in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask { try await store.recordFailure(of: [Self.ada, Self.home], at: Self.now, since: Self.longAgo) }
                }
                try await group.waitForAll()
            }

            let read = try await second.failures(of: [Self.ada, Self.home], since: Self.longAgo)
            #expect(read[Self.ada]?.failures == 40)
            #expect(read[Self.home]?.failures == 40)
        }
    }

    @Test("A run idle since before `since` is not read, starts over, and is deleted by forget", arguments: TestBackend.available)
    func idleRuns(backend: TestBackend) async throws {
        try await Self.withStores(backend) { store, _ in
            for _ in 0..<3 { try await store.recordFailure(of: [Self.ada, Self.home], at: Self.longAgo, since: Self.longAgo - 3600) }

            #expect(try await store.failures(of: [Self.ada], since: Self.longAgo + 1).isEmpty)
            let restarted = try await store.recordFailure(of: [Self.ada], at: Self.now, since: Self.longAgo + 1)
            #expect(restarted[Self.ada]?.failures == 1)
            try await store.forget(before: Self.longAgo + 1)
            #expect(try await store.failures(of: [Self.ada, Self.home], since: .distantPast) == [Self.ada: .init(failures: 1, lastFailure: Self.now)])
        }
    }

    @Test("Clearing ends one account's run only", arguments: TestBackend.available)
    func clearing(backend: TestBackend) async throws {
        try await Self.withStores(backend) { store, other in
            let grace = AttemptKey.account(email: "grace@example.com")
            try await store.recordFailure(of: [Self.ada, Self.home], at: Self.now, since: Self.longAgo)
            try await store.recordFailure(of: [grace, Self.home], at: Self.now, since: Self.longAgo)

            try await other.clear(Self.ada)

            let read = try await store.failures(of: [Self.ada, grace, Self.home], since: Self.longAgo)
            #expect(read == [grace: .init(failures: 1, lastFailure: Self.now), Self.home: .init(failures: 2, lastFailure: Self.now)])
        }
    }

    @Test("Keys from the request are stored whatever they hold: NUL, very long, non-ASCII", arguments: TestBackend.available)
    func hostileKeys(backend: TestBackend) async throws {
        try await Self.withStores(backend) { store, _ in
            let keys = [
                AttemptKey.account(email: "ab\u{0}\u{0}@example.com"),
                AttemptKey.account(email: String(repeating: "é", count: 100_000)),
                AttemptKey.account(email: "ÉMILE@exämple.com"),
            ]
            try await store.recordFailure(of: keys, at: Self.now, since: Self.longAgo)

            let read = try await store.failures(of: keys, since: Self.longAgo)
            #expect(Set(read.keys) == Set(keys))
            #expect(keys[1].value.utf8.count <= AttemptKey.maximumLength)
            #expect(!keys[0].value.contains("\u{0}"))
            #expect(keys[2].value == "émile@exämple.com")
        }
    }
}
