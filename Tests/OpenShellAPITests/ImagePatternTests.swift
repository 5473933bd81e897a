import Testing
@testable import OpenShellAPI

struct ImagePatternTests {
    @Test(arguments: [
        ("ghcr.io/nvidia/base:1", "ghcr.io/nvidia/*", true),
        ("ghcr.io/nvidia/openshell-community/sandboxes/base:latest", "ghcr.io/nvidia/*", true),
        ("ghcr.io/nvidia/base@sha256:0123abcd", "ghcr.io/nvidia/*", true),
        ("docker.io/evil:1", "ghcr.io/nvidia/*", false),
        ("ghcr.io/nvidiaevil/x:1", "ghcr.io/nvidia/*", false),
        ("evil.io/ghcr.io/nvidia/x", "ghcr.io/nvidia/*", false),
        ("ghcr.io/nvidia/base", "ghcr.io/nvidia/base", true),
        ("ghcr.io/nvidia/base:latest", "ghcr.io/nvidia/base", false),
        ("ubuntu", "docker.io/library/ubuntu*", false),
        ("ghcr.io/a/b/base:1", "ghcr.io/*/base:*", true),
        ("ghcr.io/a/base", "ghcr.io/*/base:*", false),
        ("abc", "a*b*c", true),
        ("aXbYbZc", "a*b*c", true),
        ("ac", "a*b*c", false),
        ("anything at all", "*", true),
        ("", "*", true),
        ("", "**", true),
        ("", "", true),
        ("a", "", false),
        ("résumé:1", "r*:1", true),
        ("résumé:1", "r*é:1", true),
    ])
    func matchesStarGlobs(image: String, pattern: String, expected: Bool) {
        #expect(ImagePattern.matches(image, pattern: pattern) == expected)
    }
}
