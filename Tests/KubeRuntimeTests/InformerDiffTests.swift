//! Unit tests of the pure event rules: one object's transition and the
//! relist diff against the cache.
import KubeCore
@testable import KubeRuntime
import Testing

@Suite("Informer event rules")
struct InformerDiffTests {
    private func seen(_ events: [InformerEvent]) -> [Seen] { events.map(Seen.init) }

    @Test("transitions of one key")
    func transitions() {
        let v1 = object("ns", "a", rv: "1")
        let v2 = object("ns", "a", rv: "2")
        let recreated = object("ns", "a", uid: "other", rv: "3")
        #expect(InformerEvent.transition(from: nil, to: nil).isEmpty)
        #expect(InformerEvent.transition(from: nil, to: v1) == [.added(v1)])
        #expect(InformerEvent.transition(from: v1, to: nil) == [.deleted(v1)])
        #expect(InformerEvent.transition(from: v1, to: v2) == [.updated(old: v1, new: v2)])
        #expect(InformerEvent.transition(from: v1, to: v1).isEmpty)
        #expect(InformerEvent.transition(from: v2, to: recreated) == [.deleted(v2), .added(recreated)])
    }

    @Test("the first list adds every object once, in list order")
    func initialList() {
        let listed = [object("a", "x"), object("a", "y"), object("b", "x")]
        #expect(RelistDiff.events(cached: [:], listed: listed) == listed.map(InformerEvent.added))
    }

    @Test("a relist adds new, updates changed, deletes gone and leaves unchanged objects alone")
    func relist() {
        let unchanged = object("ns", "unchanged", rv: "5")
        let changedOld = object("ns", "changed", rv: "6")
        let changedNew = object("ns", "changed", rv: "9")
        let gone = object("ns", "gone", rv: "7")
        let alsoGone = object("other", "gone", rv: "8")
        let new = object("ns", "new", rv: "10")
        let cached = [unchanged.key: unchanged, changedOld.key: changedOld, gone.key: gone, alsoGone.key: alsoGone]

        let events = RelistDiff.events(cached: cached, listed: [changedNew, new, unchanged])

        #expect(events == [.updated(old: changedOld, new: changedNew), .added(new), .deleted(gone), .deleted(alsoGone)])
    }

    @Test("a relist reports a recreated object as deleted, then added")
    func recreated() {
        let old = object("ns", "a", uid: "first", rv: "1")
        let new = object("ns", "a", uid: "second", rv: "4")
        #expect(RelistDiff.events(cached: [old.key: old], listed: [new]) == [.deleted(old), .added(new)])
    }

    @Test("applying a relist's events makes the cache equal the list")
    func applyingMatchesList() {
        let cache = ObjectCache()
        for item in [object("ns", "keep", rv: "1"), object("ns", "change", rv: "1"), object("ns", "drop", rv: "1")] {
            cache.put(item)
        }
        let listed = [object("ns", "change", rv: "2"), object("ns", "keep", rv: "1"), object("ns", "add", rv: "3")]
        for event in RelistDiff.events(cached: cache.snapshot(), listed: listed) { cache.apply(event) }
        #expect(cache.snapshot() == Dictionary(uniqueKeysWithValues: listed.map { ($0.key, $0) }))
    }

    @Test("an empty list deletes everything cached, in key order")
    func emptyList() {
        let a = object("ns", "a")
        let b = object("ns", "b")
        #expect(seen(RelistDiff.events(cached: [b.key: b, a.key: a], listed: [])) == [.deleted("ns/a"), .deleted("ns/b")])
    }

    @Test("managedFields are stripped and nothing else changes")
    func strip() {
        var withFields = object("ns", "a")
        withFields.metadata["managedFields"] = [["manager": "kubectl"]]
        let stripped = Informer.stripped(withFields)
        #expect(stripped.metadata["managedFields"] == nil)
        #expect(stripped == object("ns", "a"))
    }
}
