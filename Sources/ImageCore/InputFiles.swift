#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns what a user typed (files, directories, globs) into the list of files to work on.
public enum InputFiles {
    /// One argument's outcome: the files it named, or why it named none.
    public struct Expansion: Sendable {
        public var files: [String]
        /// Set when the argument matched nothing: a glob without matches or a directory without images.
        public var problem: String?
    }

    /// Extensions picked up when walking a directory. Files named one by one are taken whatever their
    /// name, since the format is decided by content.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "png", "webp"]

    /// Expands each argument in order: a directory is walked recursively for image files (sorted), a
    /// pattern with `*`, `?` or `[` is globbed, anything else is taken as a file path as it is.
    public static func expand(_ arguments: [String]) -> [Expansion] {
        arguments.map { argument in
            if isDirectory(argument) {
                var files: [String] = []
                walk(argument, into: &files)
                return Expansion(files: files.sorted(), problem: files.isEmpty ? "no JPEG, PNG or WebP files in this directory" : nil)
            }
            if argument.contains(where: { "*?[".contains($0) }) {
                let matches = glob(argument)
                return Expansion(files: matches, problem: matches.isEmpty ? "no file matches this pattern" : nil)
            }
            return Expansion(files: [argument], problem: nil)
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    private static func walk(_ directory: String, into files: inout [String]) {
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let path = prefix + name
            let type = entry.pointee.d_type
            let named = name.lastIndex(of: ".").map { imageExtensions.contains(name[name.index(after: $0)...].lowercased()) } ?? false
            // d_type spares a stat per entry; links and file systems that do not fill it in need one.
            if type == UInt8(DT_DIR) || ((type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN)) && !named && isDirectory(path)) {
                walk(path, into: &files)
            } else if named {
                files.append(path)
            }
        }
    }

    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }.filter { !isDirectory($0) }
    }
}
