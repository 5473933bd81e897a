//! Carrying out a `PKIPlan`: the Secret objects to create or replace, generated with OpenSSL.
//! No Kubernetes IO: the reconciler applies the writes (adding ownerReferences where allowed).

import Foundation
import KubeCore
import PKI

/// One Secret to write.
public struct SecretWrite: Sendable, Hashable {
    public enum Verb: String, Sendable, Hashable {
        /// The Secret does not exist: create it (a conflict means someone else did; replan).
        case create
        /// Replace the existing Secret; `object` carries its `resourceVersion`, so a concurrent
        /// change makes the update fail instead of being overwritten.
        case replace
    }
    public var verb: Verb
    public var object: KubeObject
    /// False for the KEK Secret: it gets no ownerReference and outlives the gateway.
    public var ownedByGateway: Bool

    public init(_ verb: Verb, _ object: KubeObject, ownedByGateway: Bool = true) {
        self.verb = verb
        self.object = object
        self.ownedByGateway = ownedByGateway
    }
}

/// Generates what a plan asks for.
public enum GatewayPKIWriter {
    /// The writes of `plan`, in order: CA, server, client, JWT, KEK. Completions and renewals keep
    /// the CA Secret: completions create the missing leaf Secrets, renewals replace only the renewed
    /// Secrets, each keeping the labels and annotations it had.
    ///
    /// - Throws: `PKIError` when OpenSSL fails, or when the CA Secret of a completion or renewal can
    ///   no longer be read (it changed since planning).
    public static func writes(
        plan: PKIPlan, observed: ObservedGatewaySecrets, settings: GatewayPKISettings, now: Date
    ) throws(PKIError) -> [SecretWrite] {
        var writes: [SecretWrite] = []
        var signingKey: GatewaySigningKey?
        if plan.createCertificates {
            let generated = try GatewayCertificates.generate(settings: settings, now: now)
            let secrets = generated.secrets(settings: settings)
            writes += secrets.prefix(3).map { SecretWrite(.create, $0) }
            signingKey = generated.signingKey
        }
        if !plan.renewals.isEmpty || !plan.completions.isEmpty {
            guard let caSecret = observed.ca else {
                throw PKIError(.invalidArgument, "issuing from the CA needs the CA Secret \(settings.caSecretName)")
            }
            let authority: CertificateAuthority
            switch GatewaySecretInspection.authority(caSecret) {
            case .success(let value): authority = value
            case .failure(let problem): throw PKIError(.invalidArgument, problem.message)
            }
            for leaf in plan.completions {
                let issued = try GatewayCertificates.issue(leaf, by: authority, settings: settings, now: now)
                writes.append(SecretWrite(.create, GatewaySecrets.leafSecret(leaf, issued, authority: authority.certificate, settings: settings)))
            }
            for renewal in plan.renewals {
                let issued = try GatewayCertificates.issue(renewal.leaf, by: authority, settings: settings, now: now)
                var object = GatewaySecrets.leafSecret(renewal.leaf, issued, authority: authority.certificate, settings: settings)
                if let existing = observed.leaf(renewal.leaf) {
                    object = replacing(existing, with: object)
                }
                writes.append(SecretWrite(.replace, object))
            }
        }
        if plan.createSigningKey {
            let key: GatewaySigningKey
            if let signingKey { key = signingKey } else { key = try GatewaySigningKey.generate() }
            writes.append(SecretWrite(.create, key.secret(settings: settings)))
        }
        if plan.createKeyEncryptionKey, let secret = try GatewayKeyEncryptionKey.secret(settings: settings) {
            writes.append(SecretWrite(.create, secret, ownedByGateway: false))
        }
        return writes
    }

    /// `existing` with the type and data of `fresh` and the labels of both: metadata (resourceVersion,
    /// ownerReferences, annotations) is kept, so the update is conditional on what was read.
    static func replacing(_ existing: KubeObject, with fresh: KubeObject) -> KubeObject {
        var object = existing
        object.json["type"] = fresh.json["type"]
        object.json["data"] = fresh.json["data"]
        object.json.removeValue(forKey: "stringData")
        var labels = existing.metadata["labels"]?.objectValue ?? [:]
        for (key, value) in fresh.metadata["labels"]?.objectValue ?? [:] {
            labels[key] = value
        }
        var metadata = existing.metadata
        metadata["labels"] = .object(labels)
        metadata.removeValue(forKey: "managedFields")
        object.json["metadata"] = .object(metadata)
        return object
    }
}
