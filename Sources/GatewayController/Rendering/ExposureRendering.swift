//! What reaches the gateway and what it reaches (openshell-contract §2.8):
//! the sandbox-namespace NetworkPolicy admitting the gateway to sandboxes'
//! SSH port, the Gateway API Gateway and GRPCRoute, and the OpenShift
//! passthrough Route.
import KubeCore
import OpenShellAPI

enum ExposureRendering {
    static let gatewayAPIVersion = "gateway.networking.k8s.io/v1"

    /// `<name>-sandbox-ssh`: sandboxes the driver labels accept TCP 2222 from the gateway's pods only.
    static func networkPolicy(_ c: GatewayContext) -> KubeObject? {
        guard c.networkPolicyEnabled else { return nil }
        let peer: JSONValue = .object([
            "podSelector": .object(["matchLabels": stringMap(c.names.selectorLabels)]),
            "namespaceSelector": .object(["matchLabels": .object(["kubernetes.io/metadata.name": .string(c.names.namespace)])]),
        ])
        return c.object("networking.k8s.io/v1", "NetworkPolicy",
                        metadata: c.metadata(name: c.names.sandboxSSHNetworkPolicy, namespace: c.sandboxNamespace), [
            "spec": .object([
                "podSelector": .object(["matchLabels": .object([OpenShellLabels.managedBy: .string(GatewayLabels.driverManagedByValue)])]),
                "policyTypes": ["Ingress"],
                "ingress": .array([.object([
                    "from": .array([peer]),
                    "ports": .array([.object(["protocol": "TCP", "port": .int(Int64(GatewayLayout.sandboxSSHPort))])]),
                ])]),
            ]),
        ])
    }

    /// The Gateway API Gateway (when created), the GRPCRoute, the OpenShift Route, as the spec enables them.
    static func objects(_ c: GatewayContext) -> [KubeObject] {
        var objects: [KubeObject] = []
        if let route = c.spec.exposure?.grpcRoute {
            if let gateway = route.gateway { objects.append(gatewayAPIGateway(c, gateway)) }
            objects.append(grpcRoute(c, route))
        }
        if let route = c.spec.exposure?.openShiftRoute { objects.append(openShiftRoute(c, route)) }
        return objects
    }

    /// One listener `http` or `https`; HTTPS terminates TLS with the given certificates.
    static func gatewayAPIGateway(_ c: GatewayContext, _ gateway: GatewayAPIGateway) -> KubeObject {
        let listener = gateway.listener
        let https = listener?.protocol == "HTTPS"
        var spec: JSONObject = [
            "name": .string(https ? "https" : "http"),
            "port": .int(Int64(listener?.port ?? 80)),
            "protocol": .string(https ? "HTTPS" : "HTTP"),
            "allowedRoutes": .object(["namespaces": .object(["from": .string(listener?.allowedRoutes == "All" ? "All" : "Same")])]),
        ]
        if https {
            let refs = (listener?.certificateRefs ?? []).map { ref -> JSONValue in
                var object: JSONObject = ["name": .string(ref.name)]
                object["namespace"] = nonEmpty(ref.namespace).map(JSONValue.string)
                object["kind"] = nonEmpty(ref.kind).map(JSONValue.string)
                object["group"] = ref.group.map(JSONValue.string)
                return .object(object)
            }
            spec["tls"] = .object(["mode": "Terminate", "certificateRefs": .array(refs)])
        }
        return c.object(gatewayAPIVersion, "Gateway", metadata: c.metadata(name: c.names.name, namespace: c.names.namespace), [
            "spec": .object(["gatewayClassName": .string(nonEmpty(gateway.className) ?? "eg"), "listeners": .array([.object(spec)])]),
        ])
    }

    /// To the Service's gRPC port, attached to the named parent, else the Gateway named after the object.
    static func grpcRoute(_ c: GatewayContext, _ route: GatewayGRPCRoute) -> KubeObject {
        var spec: JSONObject = [
            "parentRefs": .array([.object([
                "name": .string(nonEmpty(route.parentRef?.name) ?? c.names.name),
                "namespace": .string(nonEmpty(route.parentRef?.namespace) ?? c.names.namespace),
            ])]),
            "rules": .array([.object([
                "backendRefs": .array([.object(["name": .string(c.names.name), "port": .int(Int64(c.grpcPort))])]),
            ])]),
        ]
        if let hostnames = route.hostnames, !hostnames.isEmpty { spec["hostnames"] = strings(hostnames) }
        return c.object(gatewayAPIVersion, "GRPCRoute", metadata: c.metadata(name: c.names.name, namespace: c.names.namespace),
                        ["spec": .object(spec)])
    }

    /// Passthrough to the Service's `grpc` port: the gateway terminates TLS itself.
    static func openShiftRoute(_ c: GatewayContext, _ route: GatewayOpenShiftRoute) -> KubeObject {
        var spec: JSONObject = [
            "to": .object(["kind": "Service", "name": .string(c.names.name), "weight": 100]),
            "port": .object(["targetPort": "grpc"]),
            "tls": .object(["termination": "passthrough"]),
            "wildcardPolicy": "None",
        ]
        if let host = nonEmpty(route.host) { spec["host"] = .string(host) }
        return c.object("route.openshift.io/v1", "Route",
                        metadata: c.metadata(name: c.names.name, namespace: c.names.namespace, annotations: route.annotations),
                        ["spec": .object(spec)])
    }
}
