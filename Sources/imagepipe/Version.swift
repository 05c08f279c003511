extension Imagepipe {
    /// What `imagepipe --version` prints: the one place the version is written. It is raised by hand
    /// with each release (semantic versioning); the project has published no release yet, hence 0.x.
    static let version = "0.1.0"
}
