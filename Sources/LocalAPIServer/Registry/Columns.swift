//! Server-side `kubectl get` columns for the built-in kinds, computed the way
//! kube-apiserver's printers compute them, and the human-readable age format.
import Foundation
import KubeCore

enum Columns {
    static func column(_ name: String, _ type: String = "string", priority: Int = 0, description: String = "",
                       _ cell: @escaping @Sendable (KubeObject, Date) -> JSONValue) -> TableColumn {
        TableColumn(PrinterColumn(name: name, type: type, description: description, priority: priority, jsonPath: ""), cell: cell)
    }

    static func text(_ name: String, path: [String], priority: Int = 0) -> TableColumn {
        column(name, priority: priority) { object, _ in
            .string(stringOf(object.value[path: path]) ?? "")
        }
    }

    static func count(_ name: String, of path: [String], plus other: [String]) -> TableColumn {
        column(name, "integer") { object, _ in
            let a = object.value[path: path]?.objectValue?.count ?? 0
            let b = other.isEmpty ? 0 : (object.value[path: other]?.objectValue?.count ?? 0)
            return .int(Int64(a + b))
        }
    }

    static let age = column("Age") { object, now in .string(ageOf(object, now: now)) }

    static let createdAt = column("Created At", "date") { object, _ in
        .string(object.creationTimestamp ?? "")
    }

    static let binding = column("Role") { object, _ in
        let kind = object.json["roleRef"]?["kind"]?.stringValue ?? ""
        let name = object.json["roleRef"]?["name"]?.stringValue ?? ""
        return .string("\(kind)/\(name)")
    }

    static let podSelector = column("Pod-Selector") { object, _ in
        let labels = object.spec?["podSelector"]?["matchLabels"]?.objectValue ?? [:]
        return .string(labels.isEmpty ? "<none>" : labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ","))
    }

    static let service: [TableColumn] = [
        text("Type", path: ["spec", "type"]),
        column("Cluster-IP") { o, _ in .string(o.spec?["clusterIP"]?.stringValue ?? "<none>") },
        column("External-IP") { o, _ in
            let ips = o.spec?["externalIPs"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return .string(ips.isEmpty ? "<none>" : ips.joined(separator: ","))
        },
        column("Port(s)") { o, _ in
            let ports = o.spec?["ports"]?.arrayValue ?? []
            let rendered = ports.map { port -> String in
                let number = port["port"]?.intValue ?? 0
                let proto = port["protocol"]?.stringValue ?? "TCP"
                if let node = port["nodePort"]?.intValue { return "\(number):\(node)/\(proto)" }
                return "\(number)/\(proto)"
            }
            return .string(rendered.isEmpty ? "<none>" : rendered.joined(separator: ","))
        },
        age,
        column("Selector", priority: 1) { o, _ in
            let selector = o.spec?["selector"]?.objectValue ?? [:]
            return .string(selector.isEmpty ? "<none>" : selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ","))
        },
    ]

    static let pod: [TableColumn] = [
        column("Ready") { o, _ in
            let total = o.spec?["containers"]?.arrayValue?.count ?? 0
            let ready = o.status?["containerStatuses"]?.arrayValue?.filter { $0["ready"]?.boolValue == true }.count ?? 0
            return .string("\(ready)/\(total)")
        },
        column("Status") { o, _ in .string(podStatusReason(o)) },
        column("Restarts", "integer") { o, _ in
            let restarts = o.status?["containerStatuses"]?.arrayValue?.reduce(Int64(0)) { $0 + ($1["restartCount"]?.intValue ?? 0) } ?? 0
            return .int(restarts)
        },
        age,
        column("IP", priority: 1) { o, _ in .string(o.status?["podIP"]?.stringValue ?? "<none>") },
        column("Node", priority: 1) { o, _ in .string(o.spec?["nodeName"]?.stringValue ?? "<none>") },
    ]

    static let deployment: [TableColumn] = [
        column("Ready") { o, _ in
            .string("\(o.status?["readyReplicas"]?.intValue ?? 0)/\(o.spec?["replicas"]?.intValue ?? 1)")
        },
        column("Up-to-date", "integer") { o, _ in .int(o.status?["updatedReplicas"]?.intValue ?? 0) },
        column("Available", "integer") { o, _ in .int(o.status?["availableReplicas"]?.intValue ?? 0) },
        age,
    ]

    static let statefulSet: [TableColumn] = [
        column("Ready") { o, _ in
            .string("\(o.status?["readyReplicas"]?.intValue ?? 0)/\(o.spec?["replicas"]?.intValue ?? 1)")
        },
        age,
    ]

    static let job: [TableColumn] = [
        column("Status") { o, _ in
            let conditions = o.status?["conditions"]?.arrayValue ?? []
            func has(_ type: String) -> Bool { conditions.contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" } }
            return .string(has("Complete") ? "Complete" : has("Failed") ? "Failed" : "Running")
        },
        column("Completions") { o, _ in
            .string("\(o.status?["succeeded"]?.intValue ?? 0)/\(o.spec?["completions"]?.intValue ?? 1)")
        },
        age,
    ]

    static let event: [TableColumn] = [
        column("Last Seen") { o, now in
            let stamp = o.json["lastTimestamp"]?.stringValue ?? o.json["eventTime"]?.stringValue ?? o.creationTimestamp
            guard let stamp, let date = KubeTime.parse(stamp) else { return "<unknown>" }
            return .string(humanDuration(now.timeIntervalSince(date)))
        },
        text("Type", path: ["type"]),
        text("Reason", path: ["reason"]),
        column("Object") { o, _ in
            let kind = o.json["involvedObject"]?["kind"]?.stringValue ?? ""
            let name = o.json["involvedObject"]?["name"]?.stringValue ?? ""
            return .string("\(kind.lowercased())/\(name)")
        },
        text("Message", path: ["message"]),
    ]

    // MARK: Helpers

    static func stringOf(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .double(let d)?: return String(d)
        case .bool(let b)?: return String(b)
        default: return nil
        }
    }

    static func ageOf(_ object: KubeObject, now: Date) -> String {
        guard let stamp = object.creationTimestamp, let created = KubeTime.parse(stamp) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(created))
    }

    /// The STATUS column of `kubectl get pods`.
    static func podStatusReason(_ pod: KubeObject) -> String {
        if pod.isBeingDeleted { return "Terminating" }
        var reason = pod.status?["reason"]?.stringValue ?? pod.status?["phase"]?.stringValue ?? "Unknown"
        for status in pod.status?["containerStatuses"]?.arrayValue ?? [] {
            if let waiting = status["state"]?["waiting"]?["reason"]?.stringValue, !waiting.isEmpty {
                reason = waiting
            } else if let terminated = status["state"]?["terminated"] {
                reason = terminated["reason"]?.stringValue ?? "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
            }
        }
        return reason
    }
}
