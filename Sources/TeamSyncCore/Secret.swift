#if canImport(Glibc)
import Glibc
#endif

/// A secret (the LDAP bind password, the OAuth2 client secret): never printed, and held once.
/// The bytes live in one buffer of their own, overwritten with zeros when the last copy of the
/// `Secret` goes away; `withBytes` hands them to C (libldap) without another copy.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let storage: Storage

    /// Wraps a secret value.
    package init(_ value: String) {
        storage = Storage(Array(value.utf8))
    }

    /// Wraps secret bytes (UTF-8), read from a file.
    package init(bytes: some Collection<UInt8>) {
        storage = Storage(bytes)
    }

    /// The secret as text, for the one call that needs it (an HTTP header): a transient copy.
    package var exposedValue: String { storage.withBytes { String(decoding: $0, as: UTF8.self) } }

    /// The secret's bytes, valid only inside `body`.
    package func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try storage.withBytes(body)
    }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }

    package static func == (lhs: Secret, rhs: Secret) -> Bool {
        lhs.storage === rhs.storage || lhs.withBytes { left in rhs.withBytes { right in left.elementsEqual(right) } }
    }

    package func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: $0) }
    }

    /// The one buffer; immutable after init, so it is safe to share between threads.
    private final class Storage: @unchecked Sendable {
        private let buffer: UnsafeMutableRawBufferPointer

        init(_ bytes: some Collection<UInt8>) {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            _ = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count]).initializeMemory(as: UInt8.self, from: bytes)
            count = bytes.count
        }

        let count: Int

        func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }

        deinit {
            // Overwrite before freeing, so that freed memory does not keep the secret
            // (explicit_bzero(3): a store the optimiser may not remove).
            #if canImport(Glibc)
            explicit_bzero(buffer.baseAddress!, buffer.count)
            #else
            for index in buffer.indices { buffer[index] = 0 }
            #endif
            buffer.deallocate()
        }
    }
}
