import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// What a hostile or broken Podero endpoint sends, for the client's bounds to be tested
/// against: bodies that trickle in (`--slow-body`) and gzip bombs (`--gzip-bomb`).
enum HostileAnswers {
    /// `response` with its body sent at `bytesPerSecond`, in ten slices a second.
    static func slowly(_ response: Response, bytesPerSecond: Int) -> Response {
        let body = response.body
        var slowed = response
        slowed.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(TrickleWriter(inner: writer, slice: max(bytesPerSecond / 10, 1)))
        }
        return slowed
    }

    struct TrickleWriter: ResponseBodyWriter {
        var inner: any ResponseBodyWriter
        var slice: Int

        mutating func write(_ buffer: ByteBuffer) async throws {
            var rest = buffer
            while let part = rest.readSlice(length: min(slice, rest.readableBytes)), part.readableBytes > 0 {
                try await inner.write(part)
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
            try await inner.finish(trailingHeaders)
        }
    }

    private static let bombs = Mutex<[Int: ByteBuffer]>([:])

    /// A 200 answer, `Content-Encoding: gzip`, whose body inflates to `mebibytes` MiB of spaces
    /// (JSON whitespace) from about 1/160 of that on the wire.
    static func gzipBomb(mebibytes: Int) -> Response {
        let bomb = bombs.withLock { cache in
            if let cached = cache[mebibytes] { return cached }
            let made = ByteBuffer(bytes: GzipBomb.make(inflatedSize: mebibytes << 20))
            cache[mebibytes] = made
            return made
        }
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentEncoding] = "gzip"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: bomb))
    }
}

/// A gzip member built by hand with fixed-Huffman deflate: one literal space, then matches of
/// 258 bytes at distance 1 (13 bits each), the end-of-block code, and the CRC-32 and size.
enum GzipBomb {
    static func make(inflatedSize: Int) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE 01: fixed Huffman
        bits.writeCode(0x30 + 0x20, length: 8)  // literal ' ' (0..143 → 00110000 + value)
        let matches = (inflatedSize - 1) / 258
        for _ in 0..<matches {
            bits.writeCode(0b1100_0101, length: 8)  // length code 285 = 258 bytes (280..287 → 11000000 + n)
            bits.writeCode(0, length: 5)  // distance code 0 = distance 1
        }
        var size = 1 + matches * 258
        while size < inflatedSize {  // the remainder, as literals
            bits.writeCode(0x30 + 0x20, length: 8)
            size += 1
        }
        bits.writeCode(0, length: 7)  // end of block (256 → 0000000)
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        out += bits.padded
        out += withUnsafeBytes(of: crcOfSpaces(count: size).littleEndian, Array.init)
        out += withUnsafeBytes(of: UInt32(truncatingIfNeeded: size).littleEndian, Array.init)
        return out
    }

    /// CRC-32 (IEEE) of `count` spaces, by doubling: CRC(a‖b) = combine(CRC(a), CRC(b), |b|),
    /// as zlib's crc32_combine does, so that a 1 GiB bomb costs microseconds, not seconds.
    static func crcOfSpaces(count: Int) -> UInt32 {
        var one: UInt32 = 0xFFFF_FFFF  // CRC of a single space
        one ^= 0x20
        for _ in 0..<8 { one = one & 1 == 1 ? 0xEDB8_8320 ^ (one >> 1) : one >> 1 }
        one ^= 0xFFFF_FFFF
        var result: UInt32 = 0  // CRC of the empty string
        var power = one  // CRC of 2^k spaces
        var powerLength = 1
        var remaining = count
        while remaining > 0 {
            if remaining & 1 == 1 { result = combine(result, power, length: powerLength) }
            remaining >>= 1
            if remaining > 0 {
                power = combine(power, power, length: powerLength)
                powerLength *= 2
            }
        }
        return result
    }

    /// zlib's crc32_combine: the CRC of A‖B from CRC(A), CRC(B) and B's length.
    static func combine(_ crc1: UInt32, _ crc2: UInt32, length: Int) -> UInt32 {
        guard length > 0 else { return crc1 }
        func times(_ matrix: [UInt32], _ vector: UInt32) -> UInt32 {
            var sum: UInt32 = 0
            var vector = vector
            var index = 0
            while vector != 0 {
                if vector & 1 == 1 { sum ^= matrix[index] }
                vector >>= 1
                index += 1
            }
            return sum
        }
        func square(_ matrix: [UInt32]) -> [UInt32] { (0..<32).map { times(matrix, matrix[$0]) } }
        var odd = [UInt32](repeating: 0, count: 32)
        odd[0] = 0xEDB8_8320  // the operator for one zero bit
        for index in 1..<32 { odd[index] = 1 << (index - 1) }
        var even = square(odd)  // two zero bits
        odd = square(even)  // four zero bits
        var crc1 = crc1
        var length = length
        repeat {
            even = square(odd)  // first time: one zero byte
            if length & 1 == 1 { crc1 = times(even, crc1) }
            length >>= 1
            guard length > 0 else { break }
            odd = square(even)
            if length & 1 == 1 { crc1 = times(odd, crc1) }
            length >>= 1
        } while length > 0
        return crc1 ^ crc2
    }

    struct BitWriter {
        var bytes: [UInt8] = []
        var current: UInt32 = 0
        var filled = 0

        /// Bits least significant first (header fields, extra bits).
        mutating func write(_ value: UInt32, count: Int) {
            for index in 0..<count { push((value >> index) & 1) }
        }

        /// A Huffman code, most significant bit first.
        mutating func writeCode(_ code: UInt32, length: Int) {
            for index in stride(from: length - 1, through: 0, by: -1) { push((code >> index) & 1) }
        }

        private mutating func push(_ bit: UInt32) {
            current |= bit << filled
            filled += 1
            if filled == 8 { flush() }
        }

        private mutating func flush() {
            bytes.append(UInt8(current))
            current = 0
            filled = 0
        }

        /// The bytes, the last one padded with zeros.
        var padded: [UInt8] { filled > 0 ? bytes + [UInt8(current)] : bytes }
    }
}
