/// What this binary was built from. `stampedVersion` is written at build time by the
/// VersionStamp plugin (Plugins/VersionStamp): `git describe` of the checkout, else `VERSION`.
public enum BuildInfo {
    /// The version, e.g. `0.7.0` at a tag `v0.7.0`, `0.7.0+12.g5211a3e` twelve commits later,
    /// with `.dirty` when the work tree had uncommitted changes. The Debian package carries it too.
    public static let version: String = stampedVersion
}
