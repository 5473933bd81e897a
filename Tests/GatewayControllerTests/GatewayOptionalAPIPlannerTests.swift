//! GatewayPlanner with optional APIs: cert-manager mode (the Issuer and
//! Certificate chain, TLSReady from the Certificates and the issued Secrets,
//! the workload waiting for the Secrets it mounts, the checksum covering
//! them, CertManagerMissing and recovery) and exposure (GRPCRoute, Gateway,
//! Route applied only while served; missing APIs Degraded with the field).
import Foundation
import GatewayPKI
import KubeCore
import KubeRuntime
import OpenShellAPI
import Testing
@testable import GatewayController

private let now = Date(timeIntervalSince1970: 1_800_000_000)
private let certManagerSpec: JSONObject = ["tls": ["mode": "CertManager"]]

private func owner(_ spec: JSONObject, status: OpenShellGatewayStatus? = nil) -> KubeObject {
    var object = KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
        "metadata": ["name": "openshell", "namespace": "ops", "uid": "gw-uid", "generation": 3],
        "spec": .object(spec),
    ])
    object.finalizers = [GatewayFinalizer.name]
    if let status { object.status = try? JSONValue(encoding: status) }
    return object
}

/// The signing key and key-encryption key of a cert-manager gateway (what the operator itself writes).
private let operatorSecrets: ObservedGatewaySecrets = {
    guard let spec = try? JSONValue.object(certManagerSpec).decode(OpenShellGatewaySpec.self),
          let settings = try? GatewayPKISettings(gatewayName: "openshell", namespace: "ops", spec: spec),
          let writes = try? GatewayPKIWriter.writes(
              plan: PKIPlan(createSigningKey: true, createKeyEncryptionKey: true),
              observed: ObservedGatewaySecrets(), settings: settings, now: now.addingTimeInterval(-3600)) else { return ObservedGatewaySecrets() }
    func named(_ name: String?) -> KubeObject? { writes.first { $0.object.name == name }?.object }
    return ObservedGatewaySecrets(signingKey: named(settings.signingSecretName), keyEncryptionKey: named(settings.keyEncryptionKeySecretName))
}()

/// A Secret as cert-manager writes it (the contents only need to be there).
private func issued(_ name: String, certificate: String = "cert") -> KubeObject {
    KubeObject([
        "apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name), "namespace": "ops"], "type": "kubernetes.io/tls",
        "data": [
            "tls.crt": .string(Data(certificate.utf8).base64EncodedString()), "tls.key": "a2V5",
            "ca.crt": .string(Data("ca".utf8).base64EncodedString()),
        ],
    ])
}

private let allIssued = ["openshell-ca-tls", "openshell-server-tls", "openshell-client-tls"]
private let served: [OptionalAPI: OptionalAPIState] = Dictionary(uniqueKeysWithValues: OptionalAPI.allCases.map { ($0, .ready) })

private func snapshot(_ owner: KubeObject, children: [KubeObject] = [], apis: [OptionalAPI: OptionalAPIState] = served,
                      issuedSecrets: [String] = [], serverCertificate: String = "cert") -> GatewaySnapshot {
    var secrets = operatorSecrets
    var found: [String: KubeObject] = [:]
    for name in issuedSecrets { found[name] = issued(name, certificate: name == "openshell-server-tls" ? serverCertificate : "cert") }
    secrets.server = found["openshell-server-tls"]
    return GatewaySnapshot(owner: owner, children: children, secrets: secrets, optionalAPIs: apis, issuedSecrets: found, now: now)
}

private func creates(_ plan: GatewayPlan) -> [KubeObject] {
    plan.actions.compactMap { if case .create(let object) = $0 { object } else { nil } }
}

private func deletes(_ plan: GatewayPlan) -> [KubeObject] {
    plan.actions.compactMap { if case .delete(let object) = $0 { object } else { nil } }
}

private func condition(_ plan: GatewayPlan, _ type: String) -> Condition? { plan.status.conditions?[type: type] }

/// The live copies of what `plan` creates, each owned, with Certificates `Ready` as cert-manager reports them.
private func live(_ plan: GatewayPlan, certificatesReady: Bool) -> [KubeObject] {
    creates(plan).map { object in
        var live = object
        live.json["metadata"]?["uid"] = .string("uid-\(object.kind)-\(object.name)")
        live.json["metadata"]?["generation"] = 1
        if object.kind == "Certificate" {
            live.status = ["conditions": [[
                "type": "Ready", "status": certificatesReady ? "True" : "False", "reason": certificatesReady ? "Ready" : "Issuing",
                "message": certificatesReady ? "Certificate is up to date" : "Issuing certificate", "observedGeneration": 1,
            ]]]
        }
        return live
    }
}

@Suite("GatewayPlanner with optional APIs")
struct GatewayOptionalAPIPlannerTests {
    struct CertManagerCase: Sendable, CustomStringConvertible {
        var description: String
        var apis: [OptionalAPI: OptionalAPIState]
        var issuedSecrets: [String]
        var certificatesLive: Bool?
        var appliesChain: Bool
        var appliesWorkload: Bool
        var tls: (status: String, reason: String)
        var degraded: String?
    }

    static let certManagerCases: [CertManagerCase] = [
        CertManagerCase(description: "cert-manager not served", apis: [:], issuedSecrets: [], certificatesLive: nil,
                        appliesChain: false, appliesWorkload: false, tls: ("False", "CertManagerMissing"), degraded: "CertManagerMissing"),
        CertManagerCase(description: "only Certificate not served", apis: served.merging([.certificates: .notServed]) { $1 },
                        issuedSecrets: [], certificatesLive: nil,
                        appliesChain: false, appliesWorkload: false, tls: ("False", "CertManagerMissing"), degraded: "CertManagerMissing"),
        CertManagerCase(description: "cert-manager caches syncing", apis: served.merging([.issuers: .syncing]) { $1 },
                        issuedSecrets: [], certificatesLive: nil,
                        appliesChain: false, appliesWorkload: false, tls: ("False", "WaitingForCertificates"), degraded: nil),
        CertManagerCase(description: "served, nothing issued yet", apis: served, issuedSecrets: [], certificatesLive: nil,
                        appliesChain: true, appliesWorkload: false, tls: ("False", "WaitingForCertificates"), degraded: nil),
        CertManagerCase(description: "Certificates issuing, Secrets written", apis: served, issuedSecrets: allIssued, certificatesLive: false,
                        appliesChain: true, appliesWorkload: true, tls: ("False", "WaitingForCertificates"), degraded: nil),
        CertManagerCase(description: "Certificates Ready, Secrets written", apis: served, issuedSecrets: allIssued, certificatesLive: true,
                        appliesChain: true, appliesWorkload: true, tls: ("True", "CertificatesIssued"), degraded: nil),
        CertManagerCase(description: "cert-manager uninstalled after issuing", apis: [:], issuedSecrets: allIssued, certificatesLive: nil,
                        appliesChain: false, appliesWorkload: true, tls: ("False", "CertManagerMissing"), degraded: "CertManagerMissing"),
    ]

    @Test("cert-manager mode: what is applied and what TLSReady and Degraded say", arguments: certManagerCases)
    func certManager(_ c: CertManagerCase) {
        let gateway = owner(certManagerSpec)
        var children: [KubeObject] = []
        if let ready = c.certificatesLive {
            // What the server holds once the chain and the rest were created (the workload left out).
            children = live(GatewayPlanner.plan(snapshot(gateway, issuedSecrets: c.issuedSecrets)), certificatesReady: ready)
                .filter { $0.kind != "StatefulSet" }
        }
        let plan = GatewayPlanner.plan(snapshot(gateway, children: children, apis: c.apis, issuedSecrets: c.issuedSecrets))
        let created = creates(plan)
        let chain = created.filter { ["Issuer", "Certificate"].contains($0.kind) }
        if c.appliesChain && c.certificatesLive == nil {
            #expect(chain.map(\.kind) == ["Issuer", "Certificate", "Issuer", "Certificate", "Certificate"], "\(c)")
            #expect(chain.allSatisfy { $0.controllerReference?.uid == "gw-uid" && $0.annotations[ChildDrift.appliedHashAnnotation] != nil }, "\(c)")
        } else {
            #expect(chain.isEmpty, "\(c)")
        }
        #expect(created.contains { $0.kind == "StatefulSet" } == c.appliesWorkload, "\(c)")
        if c.certificatesLive == nil { #expect(created.contains { $0.kind == "ConfigMap" }, "\(c): the rest is applied") }
        let tls = condition(plan, GatewayConditionType.tlsReady)
        #expect(tls?.status == c.tls.status && tls?.reason == c.tls.reason, "\(c): \(tls.map { "\($0.status) \($0.reason) \($0.message)" } ?? "")")
        let degraded = condition(plan, GatewayConditionType.degraded)
        #expect(degraded?.isTrue == (c.degraded != nil), "\(c)")
        if let reason = c.degraded {
            #expect(degraded?.reason == reason, "\(c)")
            #expect(degraded?.message.contains("spec.tls.mode") == true && degraded?.message.contains("cert-manager.io/v1") == true, "\(c)")
            #expect(plan.events.contains { $0.type == .warning && $0.reason == reason }, "\(c)")
        }
        if c.tls.reason == GatewayTLSReason.waitingForCertificates {
            #expect((plan.requeueAfter ?? .seconds(3600)) <= GatewayPlanner.recheck, "\(c)")
        }
    }

    @Test("waiting for certificates, TLSReady reports the progress: Certificates Ready and Secrets missing")
    func progressMessage() {
        let plan = GatewayPlanner.plan(snapshot(owner(certManagerSpec), issuedSecrets: ["openshell-ca-tls"]))
        let message = condition(plan, GatewayConditionType.tlsReady)?.message ?? ""
        #expect(message.contains("0 of 3 Certificates Ready"))
        #expect(message.contains("openshell-server-tls"))
        #expect(message.contains("workload waits"))
    }

    @Test("switched to BuiltIn with the cert-manager chain still there: only the chain is deleted, the PKI waits for it to be gone")
    func builtInDeletesChainFirst() {
        let applied = GatewayPlanner.plan(snapshot(owner(certManagerSpec), issuedSecrets: allIssued))
        let chain = live(applied, certificatesReady: true).filter { $0.apiVersion.hasPrefix("cert-manager.io/") }
        #expect(chain.count == 5)
        let plan = GatewayPlanner.plan(snapshot(owner(["tls": ["mode": "BuiltIn"]]), children: chain, issuedSecrets: allIssued))
        #expect(Set(deletes(plan).map(\.name)) == Set(chain.map(\.name)))
        #expect(plan.actions.count == chain.count, "nothing but the chain's deletes: \(plan.actions)")
        #expect(condition(plan, GatewayConditionType.tlsReady)?.reason == "Provisioning")
        #expect(plan.requeueAfter != nil)
    }

    @Test("CertManagerMissing is announced once; once served again a Normal CertManagerAvailable Event")
    func missingOnceThenAvailable() {
        let first = GatewayPlanner.plan(snapshot(owner(certManagerSpec), apis: [:]))
        #expect(first.events.filter { $0.reason == GatewayEventReason.certManagerMissing }.count == 1)
        let second = GatewayPlanner.plan(snapshot(owner(certManagerSpec, status: first.status), apis: [:]))
        #expect(!second.events.contains { $0.reason == GatewayEventReason.certManagerMissing })
        let recovered = GatewayPlanner.plan(snapshot(owner(certManagerSpec, status: second.status)))
        #expect(recovered.events.contains { $0.type == .normal && $0.reason == GatewayEventReason.certManagerAvailable })
        #expect(condition(recovered, GatewayConditionType.degraded)?.isTrue == false)
        #expect(creates(recovered).contains { $0.kind == "Certificate" })
    }

    @Test("CertManagerAvailable is announced in the run that leaves CertManagerMissing, also while the caches still sync, and once")
    func availableWhileSyncing() {
        let missing = GatewayPlanner.plan(snapshot(owner(certManagerSpec), apis: [:]))
        let syncing = GatewayPlanner.plan(snapshot(
            owner(certManagerSpec, status: missing.status), apis: served.merging([.issuers: .syncing, .certificates: .syncing]) { $1 }))
        #expect(syncing.events.filter { $0.reason == GatewayEventReason.certManagerAvailable }.count == 1)
        #expect(condition(syncing, GatewayConditionType.tlsReady)?.reason == GatewayTLSReason.waitingForCertificates)
        let ready = GatewayPlanner.plan(snapshot(owner(certManagerSpec, status: syncing.status)))
        #expect(!ready.events.contains { $0.reason == GatewayEventReason.certManagerAvailable })
    }

    @Test("a Certificate Ready for an older spec (applied hash behind) does not count as issued")
    func staleCertificate() {
        let gateway = owner(certManagerSpec)
        var children = live(GatewayPlanner.plan(snapshot(gateway, issuedSecrets: allIssued)), certificatesReady: true)
        for index in children.indices where children[index].kind == "Certificate" && children[index].name == "openshell-server" {
            children[index].annotations[ChildDrift.appliedHashAnnotation] = "older"
        }
        let plan = GatewayPlanner.plan(snapshot(gateway, children: children, issuedSecrets: allIssued))
        #expect(condition(plan, GatewayConditionType.tlsReady)?.reason == GatewayTLSReason.waitingForCertificates)
        #expect(condition(plan, GatewayConditionType.tlsReady)?.message.contains("openshell-server (being updated)") == true)
    }

    @Test("the pod-template checksum covers the issued server certificate: a renewal rolls the pods")
    func checksumCoversIssuedSecret() {
        func checksum(_ certificate: String) -> String? {
            let plan = GatewayPlanner.plan(snapshot(owner(certManagerSpec), issuedSecrets: allIssued, serverCertificate: certificate))
            let set = creates(plan).first { $0.kind == "StatefulSet" }
            return set?.spec?[path: ["template", "metadata", "annotations", GatewayLabels.configChecksum]]?.stringValue
        }
        #expect(checksum("first") != nil)
        #expect(checksum("first") == checksum("first"))
        #expect(checksum("first") != checksum("renewed"))
    }

    @Test("with an external issuer the external Certificate is applied, and the workload also waits for its Secret")
    func externalIssuer() {
        let spec: JSONObject = ["tls": ["mode": "CertManager", "certManager": [
            "externalIssuer": ["issuerRef": ["name": "letsencrypt", "kind": "ClusterIssuer"], "dnsNames": ["gw.example.com"]],
        ]]]
        let waiting = GatewayPlanner.plan(snapshot(owner(spec), issuedSecrets: allIssued))
        #expect(creates(waiting).contains { $0.kind == "Certificate" && $0.name == "openshell-server-external" })
        #expect(!creates(waiting).contains { $0.kind == "StatefulSet" })
        let external = "openshell-server-external-tls"
        let ready = GatewayPlanner.plan(snapshot(owner(spec), issuedSecrets: allIssued + [external]))
        #expect(creates(ready).contains { $0.kind == "StatefulSet" })
    }

    @Test("a CRD serves its kind only when Established, of the kind's group, with v1 served, and not being deleted", arguments: [
        ("served", true, "cert-manager.io", true, false, true),
        ("not Established", false, "cert-manager.io", true, false, false),
        ("another group", true, "example.com", true, false, false),
        ("v1 not served", true, "cert-manager.io", false, false, false),
        ("being deleted", true, "cert-manager.io", true, true, false),
    ])
    func crdServes(name: String, established: Bool, group: String, v1Served: Bool, deleting: Bool, expected: Bool) {
        var crd = KubeObject([
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "certificates.cert-manager.io"],
            "spec": ["group": .string(group), "versions": [["name": "v1alpha2", "served": true], ["name": "v1", "served": .bool(v1Served)]]],
            "status": ["conditions": [["type": "Established", "status": established ? "True" : "False", "reason": "r", "message": "",
                                       "lastTransitionTime": "2026-01-01T00:00:00Z"]]],
        ])
        if deleting { crd.json["metadata"]?["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        #expect(OptionalAPI.certificates.isServed(by: crd) == expected, "\(name)")
        #expect(!OptionalAPI.certificates.isServed(by: nil))
        #expect(OptionalAPI.certificates.crdName == "certificates.cert-manager.io")
        #expect(OptionalAPI(kind: "GRPCRoute") == .grpcRoutes && OptionalAPI(kind: "ConfigMap") == nil)
    }

    struct ExposureCase: Sendable, CustomStringConvertible {
        var description: String
        var exposure: JSONObject
        var api: OptionalAPI
        var kinds: [String]
        var reason: String
        var field: String
    }

    static let exposureCases: [ExposureCase] = [
        ExposureCase(description: "GRPCRoute", exposure: ["grpcRoute": ["hostnames": ["gw.example.com"]]], api: .grpcRoutes,
                     kinds: ["GRPCRoute"], reason: "GatewayAPIMissing", field: "spec.exposure.grpcRoute"),
        ExposureCase(description: "Gateway and GRPCRoute", exposure: ["grpcRoute": ["gateway": ["className": "eg"]]], api: .gateways,
                     kinds: ["Gateway", "GRPCRoute"], reason: "GatewayAPIMissing", field: "spec.exposure.grpcRoute.gateway"),
        ExposureCase(description: "OpenShift Route", exposure: ["openShiftRoute": [:]], api: .routes,
                     kinds: ["Route"], reason: "OpenShiftRouteAPIMissing", field: "spec.exposure.openShiftRoute"),
    ]

    @Test("exposure is applied while its API is served; not served it is Degraded naming the API and the field", arguments: exposureCases)
    func exposure(_ c: ExposureCase) {
        let gateway = owner(["exposure": .object(c.exposure)])
        let secrets = builtIn
        let servedPlan = GatewayPlanner.plan(GatewaySnapshot(owner: gateway, secrets: secrets, optionalAPIs: served, now: now))
        #expect(creates(servedPlan).filter { c.kinds.contains($0.kind) }.map(\.kind) == c.kinds, "\(c)")
        #expect(condition(servedPlan, GatewayConditionType.degraded)?.isTrue == false, "\(c)")

        let missing = served.merging([c.api: .notServed]) { $1 }
        let plan = GatewayPlanner.plan(GatewaySnapshot(owner: gateway, secrets: secrets, optionalAPIs: missing, now: now))
        #expect(!creates(plan).contains { $0.kind == c.api.kind }, "\(c)")
        #expect(creates(plan).contains { $0.kind == "StatefulSet" }, "\(c): the gateway itself is installed")
        let degraded = condition(plan, GatewayConditionType.degraded)
        #expect(degraded?.isTrue == true && degraded?.reason == c.reason, "\(c)")
        #expect(degraded?.message.contains(c.field) == true && degraded?.message.contains(c.api.description) == true, "\(c): \(degraded?.message ?? "")")
        #expect(plan.events.contains { $0.type == .warning && $0.reason == c.reason && $0.note.contains(c.field) }, "\(c)")
        // Announced once: the next run with the same problem records no second Warning.
        let again = GatewayPlanner.plan(GatewaySnapshot(owner: owner(["exposure": .object(c.exposure)], status: plan.status), secrets: secrets,
                                                        optionalAPIs: missing, now: now))
        #expect(!again.events.contains { $0.reason == c.reason }, "\(c)")
    }

    @Test("an exposure object the spec no longer asks for is deleted")
    func prunesExposure() {
        let secrets = builtIn
        let withRoute = GatewayPlanner.plan(GatewaySnapshot(owner: owner(["exposure": ["grpcRoute": [:]]]), secrets: secrets,
                                                            optionalAPIs: served, now: now))
        let children = live(withRoute, certificatesReady: true)
        let plan = GatewayPlanner.plan(GatewaySnapshot(owner: owner([:]), children: children, secrets: secrets, optionalAPIs: served, now: now))
        #expect(deletes(plan).map(\.kind) == ["GRPCRoute"])
    }
}

/// Valid PKI Secrets for the default spec, generated once.
private let builtIn = GatewayFixtures.validPKISecrets(now: now)
