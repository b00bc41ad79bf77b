import Crypto
import Foundation
import TeamSyncCore

/// A statement about the audit log at one moment: journal `journal_id` had `seq` records, the
/// last with hash `head_hash`. Signed with the operator's Ed25519 key, and kept outside the
/// database too (the log line, `journal.checkpoint_file`), it shows what the chain alone cannot:
/// a tail cut below `seq`, a database restored from an older copy, or replaced by another.
package struct AuditCheckpoint: Sendable, Equatable {
    package var journalID: String
    package var seq: Int64
    package var headHash: String
    /// RFC 3339 UTC, as in the audit log.
    package var time: String
    /// Base64 Ed25519 signature of `signedText`; nil for an unsigned checkpoint.
    package var signature: String?

    package init(journalID: String, seq: Int64, headHash: String, time: String, signature: String? = nil) {
        self.journalID = journalID
        self.seq = seq
        self.headHash = headHash
        self.time = time
        self.signature = signature
    }

    /// What is signed: the four fields as a JSON object, keys sorted, no whitespace.
    package var signedText: String {
        "{\"head_hash\":\(AuditChain.jsonString(headHash)),\"journal_id\":\(AuditChain.jsonString(journalID)),"
            + "\"seq\":\(seq),\"time\":\(AuditChain.jsonString(time))}"
    }

    /// The checkpoint as one line of JSON: the signed fields and `signature` (null when unsigned).
    package var line: String {
        String(signedText.dropLast()) + ",\"signature\":" + (signature.map(AuditChain.jsonString) ?? "null") + "}"
    }

    /// A checkpoint signed with `key`, or unsigned without one.
    package func signed(with key: AuditSigningKey?) throws -> AuditCheckpoint {
        var copy = self
        copy.signature = try key.map { try $0.signature(for: Data(signedText.utf8)).base64EncodedString() }
        return copy
    }

    /// True when `signature` is `key`'s signature of the four fields.
    package func isSigned(by key: AuditPublicKey) -> Bool {
        guard let signature, let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(bytes, for: Data(signedText.utf8))
    }

    /// Reads a checkpoint from a line as written to `journal.checkpoint_file` (the JSON object),
    /// as logged (`checkpoint="{\"head_hash\":…}"` in text logs, a `"checkpoint"` string field
    /// in JSON logs), or as an audit record's reason. Nil for a line that holds none.
    package static func parse(line: String) -> AuditCheckpoint? {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if let object = jsonObject(text) {
            if let checkpoint = AuditCheckpoint(object) { return checkpoint }
            if let nested = object["checkpoint"] as? String, let inner = jsonObject(nested) { return AuditCheckpoint(inner) }
            return nil
        }
        // A text log line: checkpoint="…" with \" and \\ escaped.
        guard let start = text.range(of: "checkpoint=\"") else { return nil }
        var value = ""
        var escaped = false
        for character in text[start.upperBound...] {
            if escaped {
                value.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                return jsonObject(value).flatMap(AuditCheckpoint.init)
            } else {
                value.append(character)
            }
        }
        return nil
    }

    private static func jsonObject(_ text: String) -> [String: Any]? {
        guard text.hasPrefix("{"), text.utf8.count <= 4096 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    private init?(_ object: [String: Any]) {
        guard let journalID = object["journal_id"] as? String, let headHash = object["head_hash"] as? String,
              let time = object["time"] as? String, let seq = (object["seq"] as? NSNumber)?.int64Value, seq > 0,
              headHash.utf8.count == 64, headHash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        let signature = object["signature"] as? String
        guard object["signature"] == nil || signature != nil || object["signature"] is NSNull else { return nil }
        self.init(journalID: journalID, seq: seq, headHash: headHash, time: time, signature: signature)
    }
}

/// The operator's Ed25519 signing key. On disk: one line, the base64 of its PKCS #8 DER (the body
/// of `openssl genpkey -algorithm ed25519`'s PEM, so either tool can make it).
package struct AuditSigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 32 bytes of the key (swift-crypto's key types are not `Sendable`).
    private let raw: Data
    private var key: Curve25519.Signing.PrivateKey {
        // The bytes were checked when the key was made or read.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// Never the key: its public fingerprint only.
    package var description: String { "AuditSigningKey(public key \(publicKey.fingerprint))" }
    package var debugDescription: String { description }

    /// A new random key.
    package init() {
        raw = Curve25519.Signing.PrivateKey().rawRepresentation
    }

    /// From the one-line file form (a PEM with its armour is taken too); nil when it is not an Ed25519 key.
    package init?(text: String) {
        guard let der = AuditKeyEncoding.der(text), der.count == AuditKeyEncoding.privatePrefix.count + 32,
              der.starts(with: AuditKeyEncoding.privatePrefix),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.dropFirst(AuditKeyEncoding.privatePrefix.count))
        else { return nil }
        raw = key.rawRepresentation
    }

    /// The one-line file form.
    package var fileText: String { (AuditKeyEncoding.privatePrefix + raw).base64EncodedString() }

    package var publicKey: AuditPublicKey { AuditPublicKey(raw: key.publicKey.rawRepresentation) }

    func signature(for data: Data) throws -> Data { try key.signature(for: data) }
}

/// The public half, in PEM (SubjectPublicKeyInfo), as `openssl pkey -pubout` writes it.
package struct AuditPublicKey: Sendable {
    /// The 32 bytes of the key.
    private let raw: Data
    private var key: Curve25519.Signing.PublicKey {
        try! Curve25519.Signing.PublicKey(rawRepresentation: raw)  // checked when read
    }

    init(raw: Data) {
        self.raw = raw
    }

    /// From PEM, or from the base64 of the DER or of the 32 raw bytes; nil otherwise.
    package init?(text: String) {
        guard let der = AuditKeyEncoding.der(text) else { return nil }
        let raw: Data
        if der.count == 32 {
            raw = der
        } else if der.count == AuditKeyEncoding.publicPrefix.count + 32, der.starts(with: AuditKeyEncoding.publicPrefix) {
            raw = der.dropFirst(AuditKeyEncoding.publicPrefix.count)
        } else {
            return nil
        }
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else { return nil }
        self.raw = Data(raw)
    }

    package var pem: String {
        let body = (AuditKeyEncoding.publicPrefix + raw).base64EncodedString()
        return "-----BEGIN PUBLIC KEY-----\n\(body)\n-----END PUBLIC KEY-----\n"
    }

    /// A short name of the key: the first 16 hex digits of the SHA-256 of its raw bytes.
    package var fingerprint: String {
        SHA256.hash(data: raw).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    func isValidSignature(_ signature: Data, for data: Data) -> Bool { key.isValidSignature(signature, for: data) }
}

enum AuditKeyEncoding {
    /// PKCS #8 `PrivateKeyInfo` for Ed25519 (RFC 8410) up to the 32 key bytes.
    static let privatePrefix = Data([0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
    /// `SubjectPublicKeyInfo` for Ed25519 (RFC 8410) up to the 32 key bytes.
    static let publicPrefix = Data([0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00])

    /// The DER inside a PEM or a bare base64 text.
    static func der(_ text: String) -> Data? {
        let body = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("-----") }.joined()
        guard !body.isEmpty, body.utf8.count <= 4096 else { return nil }
        return Data(base64Encoded: body)
    }
}
