//! MemoryTrim: hands the allocator's free memory back to the operating
//! system (glibc's `malloc_trim`). A list of thousands of objects is parsed
//! into short-lived trees; once they are freed, glibc keeps the pages in its
//! arenas, where they count as resident memory, unless asked to give them back.
#if canImport(Glibc)
import Glibc
#endif

public enum MemoryTrim {
    /// Returns free pages of every malloc arena to the system; a no-op where
    /// glibc's `malloc_trim` is not available (other C libraries, macOS).
    /// Takes milliseconds: call it after a burst of allocation, not per request.
    public static func releaseFreeMemory() {
        #if canImport(Glibc)
        // Looked up at run time: Swift's Glibc module does not declare it.
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
