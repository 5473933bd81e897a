//! Unit tests of `ObjectCache` (lookups and indexes) and `OwnerMapping`.
import KubeCore
import KubeRuntime
import Testing

@Suite("Object cache and owner mapping")
struct InformerCacheTests {
    private func names(_ objects: [KubeObject]) -> [String] { objects.map(\.key.description) }

    private func filled() -> ObjectCache {
        let cache = ObjectCache()
        cache.put(object("a", "web-1", labels: ["app": "web"], controller: "owner-1"))
        cache.put(object("a", "web-2", labels: ["app": "web", "tier": "front"], controller: "owner-1"))
        cache.put(object("a", "db-1", labels: ["app": "db"], controller: "owner-2"))
        cache.put(object("b", "web-1", labels: ["app": "web"]))
        return cache
    }

    @Test("get, list, keys and count")
    func lookups() {
        let cache = filled()
        #expect(cache.count == 4)
        #expect(cache.get(ObjectKey(namespace: "a", name: "db-1"))?.labels == ["app": "db"])
        #expect(cache.get(ObjectKey(namespace: "c", name: "db-1")) == nil)
        #expect(names(cache.list()) == ["a/db-1", "a/web-1", "a/web-2", "b/web-1"])
        #expect(names(cache.list(namespace: "b")) == ["b/web-1"])
        #expect(cache.list(namespace: "none").isEmpty)
        #expect(cache.keys.map(\.description) == ["a/db-1", "a/web-1", "a/web-2", "b/web-1"])
    }

    @Test("built-in indexes", arguments: [
        (CacheIndex.namespace, "a", ["a/db-1", "a/web-1", "a/web-2"]),
        (.controllerUID, "owner-1", ["a/web-1", "a/web-2"]),
        (.controllerUID, "owner-2", ["a/db-1"]),
        (.label("app"), "web", ["a/web-1", "a/web-2", "b/web-1"]),
        (.label("tier"), "front", ["a/web-2"]),
        (.label("app"), "cache", []),
        (.custom("unregistered"), "x", []),
    ])
    func indexes(index: CacheIndex, value: String, expected: [String]) {
        let cache = filled()
        #expect(names(cache.objects(index: index, value: value)) == expected)
        #expect(cache.keys(index: index, value: value).map(\.description) == expected)
    }

    @Test("updates move index entries and removals drop them")
    func maintenance() {
        let cache = filled()
        let old = cache.put(object("a", "web-1", rv: "2", labels: ["app": "db"], controller: "owner-2"))
        #expect(old?.resourceVersion == "1")
        #expect(names(cache.objects(index: .label("app"), value: "web")) == ["a/web-2", "b/web-1"])
        #expect(names(cache.objects(index: .label("app"), value: "db")) == ["a/db-1", "a/web-1"])
        #expect(names(cache.objects(index: .controllerUID, value: "owner-1")) == ["a/web-2"])

        #expect(cache.remove(ObjectKey(namespace: "a", name: "web-2")) != nil)
        #expect(cache.remove(ObjectKey(namespace: "a", name: "web-2")) == nil)
        #expect(cache.objects(index: .controllerUID, value: "owner-1").isEmpty)
        #expect(names(cache.list(namespace: "a")) == ["a/db-1", "a/web-1"])
    }

    @Test("a custom index covers objects cached before and after it was added")
    func customIndex() {
        let cache = filled()
        cache.addIndex("labelCount") { [String($0.labels.count)] }
        #expect(names(cache.objects(index: .custom("labelCount"), value: "1")) == ["a/db-1", "a/web-1", "b/web-1"])
        cache.put(object("c", "plain"))
        cache.put(object("a", "web-1", rv: "2", labels: ["app": "web", "x": "y"]))
        #expect(names(cache.objects(index: .custom("labelCount"), value: "0")) == ["c/plain"])
        #expect(names(cache.objects(index: .custom("labelCount"), value: "2")) == ["a/web-1", "a/web-2"])
    }

    @Test("concurrent writers and readers see a consistent cache")
    func concurrency() async {
        let cache = ObjectCache()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<200 {
                        cache.put(object("ns", "w\(worker)-\(i)", labels: ["worker": "\(worker)"]))
                        _ = cache.objects(index: .label("worker"), value: "\(worker)")
                    }
                }
            }
        }
        #expect(cache.count == 1600)
        #expect(cache.objects(index: .label("worker"), value: "3").count == 200)
    }

    // MARK: Owner mapping

    private let widgets = GroupKind(group: "example.com", kind: "Widget")

    @Test("a controller owner of the kind maps to its key in the dependent's namespace")
    func ownerKey() {
        let owned = object("ns", "child", controller: "u1")
        #expect(OwnerMapping.controllerOwnerKey(of: owned, ownerGroupKind: widgets) == ObjectKey(namespace: "ns", name: "owner-u1"))
    }

    @Test("other kinds, other groups, non-controller owners and no owner map to nothing")
    func noOwnerKey() {
        #expect(OwnerMapping.controllerOwnerKey(of: object("ns", "c", controller: "u1", ownerKind: "Gadget"), ownerGroupKind: widgets) == nil)
        #expect(OwnerMapping.controllerOwnerKey(
            of: object("ns", "c", controller: "u1", ownerAPIVersion: "other.io/v1"), ownerGroupKind: widgets) == nil)
        #expect(OwnerMapping.controllerOwnerKey(of: object("ns", "c"), ownerGroupKind: widgets) == nil)
        var plainOwner = object("ns", "c")
        plainOwner.metadata["ownerReferences"] = [["apiVersion": "example.com/v1", "kind": "Widget", "name": "w", "uid": "u"]]
        #expect(OwnerMapping.controllerOwnerKey(of: plainOwner, ownerGroupKind: widgets) == nil)
    }

    @Test("the owner reference's version does not matter")
    func anyVersion() {
        let owned = object("ns", "c", controller: "u1", ownerAPIVersion: "example.com/v2beta1")
        #expect(OwnerMapping.controllerOwnerKey(of: owned, ownerGroupKind: widgets) == ObjectKey(namespace: "ns", name: "owner-u1"))
    }

    @Test("cluster-scoped owners have an empty namespace; a cluster-scoped dependent has no namespaced owner")
    func scopes() {
        let nodeOwned = object("ns", "c", controller: "n1", ownerKind: "Node", ownerAPIVersion: "v1")
        #expect(OwnerMapping.controllerOwnerKey(of: nodeOwned, ownerGroupKind: GroupKind(group: "", kind: "Node"), ownerIsNamespaced: false)
            == ObjectKey(namespace: "", name: "owner-n1"))
        let clusterScoped = object("", "c", controller: "u1")
        #expect(OwnerMapping.controllerOwnerKey(of: clusterScoped, ownerGroupKind: widgets) == nil)
        #expect(OwnerMapping.controllerOwnerKey(of: clusterScoped, ownerGroupKind: widgets, ownerIsNamespaced: false)
            == ObjectKey(namespace: "", name: "owner-u1"))
    }

    @Test("an update that moves the controller maps to the old and the new owner")
    func eventOwners() {
        let old = object("ns", "c", rv: "1", controller: "u1")
        let new = object("ns", "c", rv: "2", controller: "u2")
        #expect(OwnerMapping.controllerOwnerKeys(of: .updated(old: old, new: new), ownerGroupKind: widgets)
            == [ObjectKey(namespace: "ns", name: "owner-u1"), ObjectKey(namespace: "ns", name: "owner-u2")])
        #expect(OwnerMapping.controllerOwnerKeys(of: .updated(old: old, new: old), ownerGroupKind: widgets)
            == [ObjectKey(namespace: "ns", name: "owner-u1")])
        #expect(OwnerMapping.controllerOwnerKeys(of: .deleted(new), ownerGroupKind: widgets) == [ObjectKey(namespace: "ns", name: "owner-u2")])
        #expect(OwnerMapping.controllerOwnerKeys(of: .added(object("ns", "x")), ownerGroupKind: widgets).isEmpty)
    }
}

@Suite("Object cache: packed objects and indexes built on first use")
struct ObjectCachePackingTests {
    @Test("an object reads back exactly as stored, and its resourceVersion without unpacking")
    func readBack() {
        let cache = ObjectCache()
        var stored = object("a", "web-1", rv: "7", labels: ["app": "web"], controller: "owner-1")
        stored.json["data"] = ["ratio": .double(2.0), "count": 3, "flag": true, "none": nil, "list": ["x", 1]]
        cache.put(stored)
        #expect(cache.get(stored.key) == stored)
        #expect(cache.list() == [stored])
        #expect(cache.snapshot() == [stored.key: stored])
        #expect(cache.resourceVersion(stored.key) == "7")
        #expect(cache.resourceVersion(ObjectKey(namespace: "a", name: "none")) == nil)
    }

    @Test("label and owner indexes first asked for after objects were cached cover them, and are kept up to date from then on")
    func lazyIndexes() {
        let cache = ObjectCache()
        cache.put(object("a", "web-1", labels: ["app": "web"], controller: "owner-1"))
        #expect(cache.keys(index: .label("app"), value: "web").map(\.description) == ["a/web-1"])
        #expect(cache.keys(index: .controllerUID, value: "owner-1").map(\.description) == ["a/web-1"])
        cache.put(object("a", "web-2", labels: ["app": "web"], controller: "owner-1"))
        cache.put(object("a", "web-1", rv: "2", labels: ["app": "db"], controller: "owner-2"))
        #expect(cache.keys(index: .label("app"), value: "web").map(\.description) == ["a/web-2"])
        #expect(cache.keys(index: .label("app"), value: "db").map(\.description) == ["a/web-1"])
        #expect(cache.keys(index: .controllerUID, value: "owner-1").map(\.description) == ["a/web-2"])
        cache.remove(ObjectKey(namespace: "a", name: "web-2"))
        #expect(cache.keys(index: .label("app"), value: "web").isEmpty)
        #expect(cache.keys(index: .controllerUID, value: "owner-1").isEmpty)
    }
}
