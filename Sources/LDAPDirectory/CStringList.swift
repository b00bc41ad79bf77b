import Foundation

/// A NULL-terminated array of C strings (libldap's `char **attrs`), owning its copies.
/// Each string is `strdup`ed here and `free`d in `deinit`.
final class CStringList {
    /// The strings, in order.
    let pointers: [UnsafeMutablePointer<CChar>]
    /// `pointers` followed by a NULL, as libldap expects.
    private(set) var nullTerminated: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0)! }
        nullTerminated = pointers + [nil]
    }

    deinit {
        for pointer in pointers { free(pointer) }
    }

    /// The string at `index`, as a C pointer valid while this list lives.
    subscript(index: Int) -> UnsafePointer<CChar> { UnsafePointer(pointers[index]) }
}
