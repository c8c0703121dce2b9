/// A fixed-size, zero-initialised buffer owned by a simulator (its workspace). Plain pointers
/// avoid Swift's exclusivity checks between nested workspace accesses in the hot loop.
final class Buffer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int, zero: Element) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: zero, count: max(count, 1))
    }

    deinit {
        pointer.deinitialize(count: max(count, 1))
        pointer.deallocate()
    }
}
