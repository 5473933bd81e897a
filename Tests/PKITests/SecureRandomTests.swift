//! Tests of `SecureRandom` and `CertificateTemplate.canonicalIPAddress`.

import PKI
import Testing

@Suite("SecureRandom and IP text")
struct SecureRandomTests {
    @Test("SecureRandom returns the requested number of bytes, different each call")
    func randomBytes() throws {
        let first = try SecureRandom.bytes(32)
        let second = try SecureRandom.bytes(32)
        #expect(first.count == 32)
        #expect(second.count == 32)
        #expect(first != second)
        #expect(try SecureRandom.bytes(0).isEmpty)
    }

    @Test("SecureRandom rejects negative and oversized counts", arguments: [-1, SecureRandom.maximumCount + 1])
    func randomRejects(count: Int) {
        expectPKIError(.invalidArgument) { try SecureRandom.bytes(count) }
    }

    @Test("canonical IP text matches what certificates report", arguments: [
        ("127.0.0.1", "127.0.0.1"), ("0:0:0:0:0:0:0:1", "::1"), ("::1", "::1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
    ])
    func canonicalIP(input: String, expected: String) {
        #expect(CertificateTemplate.canonicalIPAddress(input) == expected)
    }

    @Test("non-addresses have no canonical IP text", arguments: ["localhost", "", "1.2.3", "::g"])
    func notAnIP(input: String) {
        #expect(CertificateTemplate.canonicalIPAddress(input) == nil)
    }
}
