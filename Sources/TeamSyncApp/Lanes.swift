import Dispatch
import Foundation

/// Work on a large list cut into contiguous slices, one per core, run at once (the access
/// review of 100,000 accounts builds and writes its rows this way). Small lists stay on the
/// calling thread. Each slice's result lands in its own slot, in slice order.
package enum Lanes {
    /// The cores to use (at most 8).
    package static var available: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// `0..<total` cut into at most `lanes` slices of at least `minimum` elements (one empty
    /// slice for an empty list).
    package static func slices(_ total: Int, lanes: Int = available, minimum: Int = 4096) -> [Range<Int>] {
        let count = max(1, min(lanes, total / max(1, minimum)))
        let size = (total + count - 1) / count
        return (0..<count).map { index in
            let lower = min(total, index * size)
            return lower..<min(total, lower + size)
        }
    }

    /// `body` for each slice, concurrently when there are several; the results in slice order.
    package static func map<T: Sendable>(_ slices: [Range<Int>], _ body: @Sendable (Range<Int>) -> T) -> [T] {
        each(slices.count) { body(slices[$0]) }
    }

    /// `body(0)`, …, `body(count - 1)`, concurrently when there are several; the results in order.
    package static func each<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        let slots = (0..<count).map { _ in Slot<T>() }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: count) { index in
                slots[index].value = body(index)
            }
        }
        return slots.map { $0.value! }
    }

    /// Two different jobs at once.
    package static func both<A: Sendable, B: Sendable>(_ first: @Sendable () -> A, _ second: @Sendable () -> B) -> (A, B) {
        let a = Slot<A>(), b = Slot<B>()
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                DispatchQueue.concurrentPerform(iterations: 2) { index in
                    if index == 0 { a.value = first() } else { b.value = second() }
                }
            }
        }
        return (a.value!, b.value!)
    }

    /// One job's result: written by that job alone, read once every job has returned
    /// (`concurrentPerform` returns after the last one), so never touched by two threads at once.
    private final class Slot<T>: @unchecked Sendable {
        var value: T?
    }
}
