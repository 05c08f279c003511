#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns what a user typed (files, directories, globs) into the list of files to work on.
///
/// Each argument costs time in proportion to what it names: a plain path one `stat`, a directory or a
/// pattern one pass over the directories it reaches. A walk visits each real directory once, however many
/// symbolic links lead to it (a link back to a parent is a cycle, and goes no further), and lists each
/// real file once (by device and inode: a link to a file beside the file itself gives one entry), under
/// its own path when the walk reaches it without a link too. Hidden files and directories (starting
/// with `.`) are passed by.
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
    /// pattern with `*`, `?` or `[` is globbed (sorted; a `**` component matches any number of directories,
    /// none included), anything else is taken as a file path as it is.
    public static func expand(_ arguments: [String]) -> [Expansion] {
        arguments.map(expand)
    }

    /// Expands one argument; see `expand(_:)`.
    public static func expand(_ argument: String) -> Expansion {
        if FileIdentity.of(argument)?.isDirectory == true {
            var walk = DirectoryWalk()
            walk.run(argument)
            return Expansion(files: walk.files, problem: walk.files.isEmpty ? "no JPEG, PNG or WebP files in this directory" : nil)
        }
        if argument.contains(where: { "*?[".contains($0) }) {
            let matches = GlobPattern(argument).matches()
            return Expansion(files: matches, problem: matches.isEmpty ? "no file matches this pattern" : nil)
        }
        return Expansion(files: [argument], problem: nil)
    }

    /// The folder an argument's files are relative to, with its trailing slash: the folder itself, the
    /// part of a glob before its first wildcard's folder, or a file's folder (`""` for a bare file name).
    /// Pipelines name items by it and `thumb --keep-tree` mirrors it, so both keep folders apart alike.
    public static func root(of argument: String) -> String {
        if FileIdentity.of(argument)?.isDirectory == true {
            return argument.hasSuffix("/") ? argument : argument + "/"
        }
        let fixed = argument.firstIndex(where: { "*?[".contains($0) }).map { argument[..<$0] } ?? argument[...]
        guard let slash = fixed.lastIndex(of: "/") else { return "" }
        return String(fixed[...slash])
    }

    /// `file`'s path below `root` (`a/p.jpg` for `shoots/a/p.jpg` below `shoots/`), or its file name when
    /// it is not below it.
    public static func relativePath(of file: String, below root: String) -> String {
        if !root.isEmpty, file.hasPrefix(root) { return String(file.dropFirst(root.count)) }
        return file.split(separator: "/").last.map(String.init) ?? file
    }

    /// Whether a walked file's name marks it as an image.
    static func hasImageExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }
}

/// A file as the file system knows it: device and inode, whatever path or link reached it.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
    var isDirectory: Bool

    /// The file `path` names, links followed; nil when it does not exist.
    static func of(_ path: String) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileIdentity(status)
    }

    /// Whether `path` itself is a symbolic link.
    static func isLink(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
    }

    /// The open directory's own identity.
    static func of(_ directory: OpaquePointer) -> FileIdentity? {
        var status = stat()
        guard fstat(dirfd(directory), &status) == 0 else { return nil }
        return FileIdentity(status)
    }

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
    }

}

/// One directory's entries but `.` and `..`, sorted by name.
struct DirectoryListing {
    struct Entry {
        var name: String
        var path: String
        /// Whether the entry (a link followed) is a directory; nil when it is a dangling link or vanished.
        var isDirectory: Bool?
        /// Whether the entry is a symbolic link.
        var isLink: Bool
        /// Hidden by the Unix convention: walks and `**` pass such entries by.
        var isHidden: Bool { name.hasPrefix(".") }
    }

    var identity: FileIdentity
    var entries: [Entry]

    /// Reads `directory` (`""` for the current one). d_type spares a `stat` for plain files and
    /// directories; links and file systems that do not fill d_type in need one.
    init?(_ directory: String) {
        guard let handle = opendir(directory.isEmpty ? "." : directory) else { return nil }
        defer { closedir(handle) }
        guard let identity = FileIdentity.of(handle) else { return nil }
        self.identity = identity
        let prefix = directory.isEmpty ? "" : directory.hasSuffix("/") ? directory : directory + "/"
        var entries: [Entry] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = prefix + name
            let type = entry.pointee.d_type
            let isDirectory: Bool? =
                switch type {
                case UInt8(DT_REG): false
                case UInt8(DT_DIR): true
                default: FileIdentity.of(path)?.isDirectory
                }
            let isLink = type == UInt8(DT_LNK) || (type == UInt8(DT_UNKNOWN) && FileIdentity.isLink(path))
            entries.append(Entry(name: name, path: path, isDirectory: isDirectory, isLink: isLink))
        }
        self.entries = entries.sorted { $0.name < $1.name }
    }
}

/// A recursive walk for image files that visits each real directory once and lists each real file once.
/// The real tree comes first: symbolic links (to files or to directories) are followed only after it, so
/// a file is listed under its own path rather than a link's whenever the walk can reach it both ways.
struct DirectoryWalk {
    private(set) var files: [String] = []
    private var seenDirectories: Set<FileIdentity> = []
    private var seenFiles: Set<FileIdentity> = []
    private var linkedDirectories: [String] = []
    private var linkedFiles: [String] = []

    mutating func run(_ root: String) {
        walk(from: [root])
        // Then what links lead to: directories first (each real one once, so a link back up ends there), ...
        while !linkedDirectories.isEmpty {
            let next = linkedDirectories
            linkedDirectories = []
            walk(from: next.reversed())
        }
        // ... then links to files not already listed.
        for path in linkedFiles { add(path) }
        files.sort()
    }

    /// Depth first, in name order, without recursion (a deep tree cannot exhaust the stack); links are
    /// set aside for later.
    private mutating func walk(from roots: [String]) {
        var pending = roots
        while let directory = pending.popLast() {
            guard let listing = DirectoryListing(directory), seenDirectories.insert(listing.identity).inserted else { continue }
            var subdirectories: [String] = []
            for entry in listing.entries where !entry.isHidden {
                guard let isDirectory = entry.isDirectory else { continue }
                switch (isDirectory, entry.isLink) {
                case (true, false): subdirectories.append(entry.path)
                case (true, true): linkedDirectories.append(entry.path)
                case (false, false): if InputFiles.hasImageExtension(entry.name) { add(entry.path) }
                case (false, true): if InputFiles.hasImageExtension(entry.name) { linkedFiles.append(entry.path) }
                }
            }
            pending += subdirectories.reversed()
        }
    }

    private mutating func add(_ path: String) {
        if let identity = FileIdentity.of(path), seenFiles.insert(identity).inserted { files.append(path) }
    }
}

/// A glob pattern, matched one path component at a time with fnmatch(3), so that a `**` component can
/// stand for any number of directories (none included), as in bash's `globstar`. Like glob(3), `*` and
/// `?` do not match a leading `.`; matches are files (not directories), sorted, each real file once.
struct GlobPattern {
    private let root: String
    private let components: [String]

    init(_ pattern: String) {
        root = pattern.hasPrefix("/") ? "/" : ""
        components = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    func matches() -> [String] {
        var found: [String] = []
        // A directory is searched at most once per pattern position: links back up a tree end there.
        var searched: Set<[UInt64]> = []
        var pending: [(directory: String, index: Int)] = [(root, 0)]
        while let (directory, index) = pending.popLast() {
            let component = components[index]
            let last = index == components.count - 1
            if component == "**" {
                guard let listing = DirectoryListing(directory),
                    searched.insert([listing.identity.device, listing.identity.inode, UInt64(index)]).inserted
                else { continue }
                if last {
                    // A trailing `**` matches every file below.
                    collectFiles(below: directory, into: &found)
                    continue
                }
                pending.append((directory, index + 1))
                for entry in listing.entries where entry.isDirectory == true && !entry.isHidden {
                    pending.append((entry.path, index))
                }
            } else if !Self.isPattern(component) {
                let path = join(directory, component)
                guard let isDirectory = FileIdentity.of(path)?.isDirectory else { continue }
                if last {
                    if !isDirectory { found.append(path) }
                } else if isDirectory {
                    pending.append((path, index + 1))
                }
            } else {
                guard let listing = DirectoryListing(directory) else { continue }
                for entry in listing.entries where fnmatch(component, entry.name, FNM_PERIOD) == 0 {
                    guard let isDirectory = entry.isDirectory else { continue }
                    if last {
                        if !isDirectory { found.append(entry.path) }
                    } else if isDirectory {
                        pending.append((entry.path, index + 1))
                    }
                }
            }
        }
        // Each real file once, under a path that is not itself a link when there is one.
        var chosen: [FileIdentity: String] = [:]
        for path in found.sorted() {
            guard let identity = FileIdentity.of(path) else { continue }
            if let earlier = chosen[identity], !(FileIdentity.isLink(earlier) && !FileIdentity.isLink(path)) { continue }
            chosen[identity] = path
        }
        return chosen.values.sorted()
    }

    private func collectFiles(below directory: String, into found: inout [String]) {
        var seenDirectories: Set<FileIdentity> = []
        var pending = [directory]
        while let next = pending.popLast() {
            guard let listing = DirectoryListing(next), seenDirectories.insert(listing.identity).inserted else { continue }
            for entry in listing.entries where !entry.isHidden {
                guard let isDirectory = entry.isDirectory else { continue }
                if isDirectory { pending.append(entry.path) } else { found.append(entry.path) }
            }
        }
    }

    private func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Whether a component has anything fnmatch(3) treats specially (a backslash escapes).
    static func isPattern(_ component: String) -> Bool {
        component.contains { "*?[\\".contains($0) }
    }
}
