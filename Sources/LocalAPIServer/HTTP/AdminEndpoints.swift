//! The test-facing control API under `/local/`, for tests that drive the
//! server from another process: request counts, fault rules, forced
//! compaction and pausing simulated controllers. Only `system:masters` may use it.
import Foundation
import HTTPTypes
import Hummingbird
import KubeCore
import NIOCore

struct AdminEndpoints: Sendable {
    let core: APIServerCore
    let faults: FaultInjector
    let requests: RequestLog

    func respond(path: String, method: HTTPRequest.Method, body: ByteBuffer, user: UserInfo) async -> Response {
        guard user.groups.contains("system:masters") else {
            return APIResponder.error(.forbidden("the local control API is only for system:masters"))
        }
        let parts = path.split(separator: "/").map(String.init)
        let route = parts.joined(separator: "/")
        let last = parts.last ?? ""
        let controller = parts.count == 4 && parts[1] == "controllers" ? parts[2] : ""
        switch (method, route) {
        case (.get, "local/requests"):
            let rows = requests.snapshot.sorted { ($0.key.verb, $0.key.resource, $0.key.user, $0.key.code) < ($1.key.verb, $1.key.resource, $1.key.user, $1.key.code) }
            let items: [JSONValue] = rows.map { entry in
                ["verb": .string(entry.key.verb), "resource": .string(entry.key.resource), "user": .string(entry.key.user),
                 "code": .int(Int64(entry.key.code)), "count": .int(Int64(entry.value))]
            }
            return APIResponder.json(["items": .array(items)])
        case (.delete, "local/requests"):
            requests.reset()
            return APIResponder.json(["status": "reset"])
        case (.get, "local/faults"):
            return APIResponder.json((try? JSONValue(encoding: faults.rules)) ?? [])
        case (.post, "local/faults"):
            guard let rule = try? JSONDecoder().decode(FaultRule.self, from: Data(buffer: body)) else {
                return APIResponder.error(.badRequest("the body must be a fault rule"))
            }
            return APIResponder.json(["id": .int(Int64(faults.add(rule)))], code: 201)
        case (.delete, "local/faults"):
            faults.clear()
            return APIResponder.json(["status": "cleared"])
        case (.post, "local/seed/\(last)"):
            let seed = last
            guard let value = UInt64(seed) else { return APIResponder.error(.badRequest("seed must be an unsigned integer")) }
            faults.reseed(value)
            return APIResponder.json(["seed": .string(seed)])
        case (.post, "local/compact"):
            core.store.compact()
            return APIResponder.json(["compactedThrough": .string(String(core.store.resourceVersion))])
        case (.post, "local/controllers/\(controller)/pause") where !controller.isEmpty:
            faults.pause(controller: controller)
            return APIResponder.json(["controller": .string(controller), "paused": true])
        case (.post, "local/controllers/\(controller)/resume") where !controller.isEmpty:
            faults.resume(controller: controller)
            return APIResponder.json(["controller": .string(controller), "paused": false])
        default:
            return APIResponder.error(APIError(APIStatus(message: APIServerCore.notFoundMessage, reason: .notFound, code: 404)))
        }
    }
}
