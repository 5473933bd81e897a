//! The glob patterns of a class's `images.allowed`.

/// Matches image references against `*` globs.
public enum ImagePattern {
    /// Whether `image` matches `pattern`, where `*` matches any run of
    /// characters (including none, `/`, `:` and `@`) and every other character
    /// matches itself. References are compared as written: `ubuntu` does not
    /// match `docker.io/library/ubuntu*`, and a pattern without `*` must equal
    /// the whole reference (`ghcr.io/nvidia/base` does not allow `ghcr.io/nvidia/base:latest`).
    public static func matches(_ image: String, pattern: String) -> Bool {
        // '*' is ASCII, so matching UTF-8 bytes never splits a character.
        let text = Array(image.utf8)
        let glob = Array(pattern.utf8)
        let star = UInt8(ascii: "*")
        var t = 0
        var g = 0
        // Where the last '*' was and the text position it is currently standing for.
        var lastStar: Int?
        var resumeAt = 0
        while t < text.count {
            if g < glob.count, glob[g] == star {
                lastStar = g
                resumeAt = t
                g += 1
            } else if g < glob.count, glob[g] == text[t] {
                g += 1
                t += 1
            } else if let star = lastStar {
                // Let the last '*' swallow one more character and retry.
                g = star + 1
                resumeAt += 1
                t = resumeAt
            } else {
                return false
            }
        }
        while g < glob.count, glob[g] == star { g += 1 }
        return g == glob.count
    }
}
