//! Tests for `PrivateKey` / `PublicKey`: generation, PEM/DER round trips checked against the
//! `openssl` CLI, signing, key ids, and errors for bad input.

import Foundation
import PKI
import Testing

@Suite("Keys")
struct KeyTests {
    @Test("generated keys report their algorithm", arguments: allAlgorithms)
    func generatedAlgorithm(algorithm: KeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        #expect(key.algorithm == algorithm)
        #expect(key.publicKey.algorithm == algorithm)
    }

    @Test("PKCS#8 PEM round trips", arguments: allAlgorithms)
    func pemRoundTrip(algorithm: KeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let pem = key.pemPKCS8
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let reread = try PrivateKey(pem: pem)
        #expect(reread.pkcs8DER == key.pkcs8DER)
        #expect(reread.algorithm == algorithm)
        #expect(reread.publicKey == key.publicKey)
    }

    @Test("PKCS#8 DER and SPKI DER/PEM round trip", arguments: allAlgorithms)
    func derRoundTrip(algorithm: KeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        #expect(try PrivateKey(der: key.pkcs8DER).pkcs8DER == key.pkcs8DER)
        #expect(try PublicKey(der: key.publicKey.der) == key.publicKey)
        let publicPEM = key.publicKey.pem
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try PublicKey(pem: publicPEM) == key.publicKey)
    }

    @Test("openssl pkey parses the private key and writes the same PEM", arguments: allAlgorithms)
    func opensslParsesPrivateKey(algorithm: KeyAlgorithm) async throws {
        let key = try PrivateKey.generate(algorithm)
        let scratch = try ScratchDirectory()
        let path = try scratch.write("key.pem", key.pemPKCS8)
        let result = try await openssl(["pkey", "-in", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == key.pemPKCS8)
        let publicResult = try await openssl(["pkey", "-in", path, "-pubout"])
        #expect(publicResult.status == 0, "\(publicResult.stderr)")
        #expect(publicResult.stdout == key.publicKey.pem)
    }

    @Test("keys written by openssl are read", arguments: [
        (["genpkey", "-algorithm", "ED25519"], KeyAlgorithm.ed25519),
        (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], .ecdsaP256),
        (["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], .rsa(bits: 2048)),
        (["ecparam", "-name", "prime256v1", "-genkey", "-noout"], .ecdsaP256),  // "EC PRIVATE KEY"
    ])
    func readsOpenSSLKeys(command: [String], algorithm: KeyAlgorithm) async throws {
        let generated = try await openssl(command)
        #expect(generated.status == 0, "\(generated.stderr)")
        let key = try PrivateKey(pem: generated.stdout)
        #expect(key.algorithm == algorithm)
        #expect(key.pemPKCS8.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test("the key id is the hex of the first 16 bytes of SHA-256 over the SPKI DER", arguments: allAlgorithms)
    func keyIDDerivation(algorithm: KeyAlgorithm) async throws {
        let key = try PrivateKey.generate(algorithm)
        let scratch = try ScratchDirectory()
        let path = try scratch.write("key.pem", key.pemPKCS8)
        let spki = try await openssl(["pkey", "-in", path, "-pubout", "-outform", "DER"])
        #expect(spki.status == 0)
        #expect(spki.stdoutBytes == key.publicKey.der)
        let digest = try await openssl(["dgst", "-sha256", "-binary"], stdin: spki.stdoutBytes)
        #expect(key.keyID == hex(digest.stdoutBytes.prefix(16)))
        #expect(key.keyID.count == 32)
        #expect(key.keyID == key.publicKey.keyID)
    }

    @Test("distinct keys have distinct key ids")
    func distinctKeyIDs() throws {
        let first = try PrivateKey.generate(.ed25519)
        let second = try PrivateKey.generate(.ed25519)
        #expect(first.keyID != second.keyID)
    }

    @Test("signatures verify, and fail for tampered data or the wrong key", arguments: allAlgorithms)
    func signVerify(algorithm: KeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let message = Array("header.payload".utf8)
        let signature = try key.sign(message)
        #expect(key.publicKey.verify(signature: signature, for: message))

        var tamperedMessage = message
        tamperedMessage[0] ^= 0x01
        #expect(!key.publicKey.verify(signature: signature, for: tamperedMessage))

        var tamperedSignature = signature
        tamperedSignature[tamperedSignature.count - 1] ^= 0x01
        #expect(!key.publicKey.verify(signature: tamperedSignature, for: message))

        let other = try PrivateKey.generate(algorithm)
        #expect(!other.publicKey.verify(signature: signature, for: message))
        #expect(!key.publicKey.verify(signature: [], for: message))
    }

    @Test("Ed25519 signatures are 64 bytes, deterministic, and verify with openssl")
    func ed25519Signatures() async throws {
        let key = try PrivateKey.generate(.ed25519)
        let message = Array("sandbox token".utf8)
        let signature = try key.sign(message)
        #expect(signature.count == 64)
        #expect(try key.sign(message) == signature)
        #expect(key.publicKey.verify(signature: try key.sign([]), for: []))

        let scratch = try ScratchDirectory()
        let publicPath = try scratch.write("public.pem", key.publicKey.pem)
        let messagePath = scratch.path("message")
        try Data(message).write(to: URL(fileURLWithPath: messagePath))
        let signaturePath = scratch.path("signature")
        try Data(signature).write(to: URL(fileURLWithPath: signaturePath))
        let result = try await openssl([
            "pkeyutl", "-verify", "-pubin", "-inkey", publicPath, "-rawin", "-in", messagePath, "-sigfile", signaturePath,
        ])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    }

    @Test("RSA sizes outside the supported range are rejected", arguments: [1024, 512, 0, 32768])
    func rsaSizeRejected(bits: Int) {
        expectPKIError(.invalidArgument) { try PrivateKey.generate(.rsa(bits: bits)) }
    }

    @Test("garbage private key input throws invalidPEM", arguments: [
        "",
        "garbage",
        "-----BEGIN PRIVATE KEY-----\nnot base64 at all!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n",
    ])
    func garbagePrivateKeyPEM(text: String) {
        expectPKIError(.invalidPEM) { try PrivateKey(pem: text) }
    }

    @Test("an encrypted private key is rejected without prompting")
    func encryptedKeyRejected() async throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let scratch = try ScratchDirectory()
        let path = try scratch.write("key.pem", key.pemPKCS8)
        let encrypted = try await openssl(["pkey", "-in", path, "-aes256", "-passout", "pass:secret"])
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        #expect(encrypted.stdout.contains("ENCRYPTED PRIVATE KEY"))
        expectPKIError(.invalidPEM) { try PrivateKey(pem: encrypted.stdout) }
    }

    @Test("garbage DER throws invalidDER", arguments: [[], [0x30, 0x03, 0x02, 0x01], [0xde, 0xad, 0xbe, 0xef]] as [[UInt8]])
    func garbageDER(bytes: [UInt8]) {
        expectPKIError(.invalidDER) { try PrivateKey(der: bytes) }
        expectPKIError(.invalidDER) { try PublicKey(der: bytes) }
    }

    @Test("trailing bytes after a DER key are rejected")
    func trailingDERBytes() throws {
        let key = try PrivateKey.generate(.ed25519)
        #expect(throws: PKIError.self) { try PrivateKey(der: key.pkcs8DER + [0]) }
        #expect(throws: PKIError.self) { try PublicKey(der: key.publicKey.der + [0]) }
    }

    @Test("keys on curves other than P-256 are unsupported")
    func unsupportedCurve() async throws {
        let generated = try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"])
        #expect(generated.status == 0)
        expectPKIError(.unsupportedAlgorithm) { try PrivateKey(pem: generated.stdout) }
    }

    @Test("errors carry OpenSSL's error queue text")
    func errorCarriesQueue() {
        do {
            _ = try PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidPEM)
            #expect(!error.openSSLErrors.isEmpty)
            #expect(error.description.contains(error.openSSLErrors[0]))
        }
    }

    @Test("descriptions never print key material")
    func redactedDescription() throws {
        let key = try PrivateKey.generate(.ed25519)
        let text = "\(key) \(String(reflecting: key))"
        #expect(text.contains(key.keyID))
        #expect(!text.contains(hex(key.pkcs8DER)))
        #expect(!text.contains("PRIVATE KEY"))
    }
}
