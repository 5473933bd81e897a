//! The gateway reconciler reads its PKI Secrets with their values; each value
//! is registered with the process's scrubber, so a log line or Event note that
//! ever carried one would show `[redacted]` instead.
import Foundation
@testable import GatewayController
import KubeCore
import KubeRuntime
import Testing

@Suite("Gateway Secret values are registered with the scrubber")
struct SecretScrubbingTests {
    @Test("a read Secret's values are scrubbed, as stored (base64) and decoded")
    func valuesAreRegistered() {
        let key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIC0ffeeCanaryKeyMaterial0123456789\n-----END PRIVATE KEY-----\n"
        let token = "kek-canary-7f3a9c2e"
        let secret = KubeObject([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "openshell-server-tls", "namespace": "ns"],
            "data": [
                "tls.key": .string(Data(key.utf8).base64EncodedString()),
                "key-encryption-key": .string(Data(token.utf8).base64EncodedString()),
            ],
        ])
        let scrubber = SecretScrubber()
        GatewayReconciler.register(valuesOf: secret, with: scrubber)

        #expect(scrubber.scrub("kek=\(token)") == "kek=[redacted]")
        #expect(!scrubber.scrub("key \(key)").contains("CanaryKeyMaterial"))
        let stored = Data(token.utf8).base64EncodedString()
        #expect(scrubber.scrub("data: \(stored)") == "data: [redacted]")
        #expect(scrubber.scrub("nothing secret here") == "nothing secret here")
    }
}
