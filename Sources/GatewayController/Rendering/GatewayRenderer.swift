//! The pure rendering of an OpenShellGateway into every object the upstream
//! Helm chart makes (openshell-contract §2.2): workload, Service, the
//! `gateway.toml` ConfigMap, service accounts, RBAC, cert-manager objects,
//! NetworkPolicy and exposure, plus the config checksum that rolls the pods
//! and the built-in PKI's plan. No IO: the same input gives the same bytes.
import Foundation
import KubeCore
import OpenShellAPI

public enum GatewayRenderer {
    /// Renders every object of one gateway. Total: assumes a validated spec and stays total on anything else.
    public static func render(_ input: GatewayRenderInput) -> RenderedGateway {
        let c = GatewayContext(input)
        let config = GatewayConfig.document(c)
        let text = config.render()
        let checksum = configChecksum(gatewayTOML: text, inputs: input.checksumInputs)
        let configMap = c.object("v1", "ConfigMap", metadata: c.metadata(name: c.names.configMap, namespace: c.names.namespace),
                                 ["data": .object([GatewayLayout.configKey: .string(text)])])
        return RenderedGateway(
            workload: WorkloadRendering.workload(c, checksum: checksum),
            service: WorkloadRendering.service(c),
            configMap: configMap,
            serviceAccounts: RBACRendering.serviceAccounts(c),
            rbac: RBACRendering.objects(c),
            certManager: CertManagerRendering.objects(c),
            networkPolicy: ExposureRendering.networkPolicy(c),
            exposure: ExposureRendering.objects(c),
            config: config,
            configChecksum: checksum,
            pki: CertManagerRendering.pkiPlan(c),
            endpoint: c.endpoint,
            keyEncryptionKeySecretName: needsKeyEncryptionKeySecret(c) ? input.secrets.keyEncryptionKey : nil
        )
    }

    /// FNV-1a 64 over the canonical JSON of `gateway.toml` and the extra inputs.
    public static func configChecksum(gatewayTOML: String, inputs: [String: String]) -> String {
        FNV1a.hex64(JSONValue.object(["gateway.toml": .string(gatewayTOML), "inputs": stringMap(inputs)]).jsonString())
    }

    /// The key-encryption-key Secret, created once and kept: no ownerReference (deleting the gateway
    /// leaves it, the database it decrypts may outlive the install) and the annotation
    /// `openshell.ai/resource-policy: keep`; only the common labels, not the owner labels, so a cleanup
    /// by owner label never finds it. nil when a credential driver or an existing Secret is configured.
    /// - Parameter key: the key as the gateway reads it from its environment (base64 of 32 random bytes).
    public static func keyEncryptionKeySecret(_ input: GatewayRenderInput, key: String) -> KubeObject? {
        let c = GatewayContext(input)
        guard needsKeyEncryptionKeySecret(c) else { return nil }
        return KubeObject([
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": .object([
                "name": .string(input.secrets.keyEncryptionKey),
                "namespace": .string(c.names.namespace),
                "labels": stringMap(c.names.commonLabels(version: c.version)),
                "annotations": stringMap([GatewayLabels.resourcePolicy: "keep"]),
            ]),
            "type": "Opaque",
            "data": .object([GatewayDefaults.keyEncryptionKeySecretKey: .string(Data(key.utf8).base64EncodedString())]),
        ])
    }

    private static func needsKeyEncryptionKeySecret(_ c: GatewayContext) -> Bool {
        !c.hasCredentialDriver && nonEmpty(c.spec.credentials?.keyEncryptionKeySecretRef?.name) == nil
    }
}
