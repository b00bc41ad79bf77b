import Testing
@testable import LDAPDirectory

@Suite("External id decoding")
struct ExternalIDDecoderTests {
    @Test("a binary objectGUID becomes the canonical lowercase UUID that AD tools show")
    func guid() {
        let bytes: [UInt8] = [0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF]
        let text = bytes.withUnsafeBytes { ExternalIDDecoder.guidString($0) }
        #expect(text == "76543210-ba98-fedc-0123-456789abcdef")
    }

    @Test("a GUID of the wrong length is rejected")
    func shortGUID() {
        #expect([UInt8](repeating: 1, count: 15).withUnsafeBytes { ExternalIDDecoder.guidString($0) } == nil)
    }

    @Test("objectGUID is recognised whatever its case")
    func binaryAttribute() {
        #expect(ExternalIDDecoder.isBinaryGUID("objectGUID"))
        #expect(ExternalIDDecoder.isBinaryGUID("OBJECTGUID"))
        #expect(!ExternalIDDecoder.isBinaryGUID("entryUUID"))
    }

    @Test("text ids are trimmed; empty or control characters are rejected")
    func text() {
        func decode(_ string: String) -> String? { Array(string.utf8).withUnsafeBytes { ExternalIDDecoder.textID($0) } }
        #expect(decode(" E00001 ") == "E00001")
        #expect(decode("   ") == nil)
        #expect(decode("a\u{1}b") == nil)
        #expect([UInt8]([0xFF, 0xFE]).withUnsafeBytes { ExternalIDDecoder.textID($0) } == nil)
    }
}
