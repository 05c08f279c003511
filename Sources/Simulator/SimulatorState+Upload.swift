import Foundation

/// An upload URL `POST /upload` handed out: what it was signed for, and until when.
struct SignedUpload: Sendable {
    var owner: String
    var key: String
    var contentType: String
    var sizeBytes: Int
    var expires: Date
}

/// Bytes a `PUT` stored, served at the upload's public URL.
struct StoredUpload: Sendable {
    var contentType: String
    var bytes: [UInt8]
}

extension SimulatorState {
    /// Signs an upload: a token for its `PUT` URL and a key for its public URL.
    func signUpload(owner: String, contentType: String, sizeBytes: Int) -> (token: String, ticket: SignedUpload) {
        let token = UUID().uuidString.lowercased()
        let key = "uploads/" + UUID().uuidString.lowercased()
        let ticket = SignedUpload(owner: owner, key: key, contentType: contentType, sizeBytes: sizeBytes,
                                  expires: Date().addingTimeInterval(options.uploadLifetime * options.timeScale))
        uploadTickets[token] = ticket
        counters.uploadsSigned += 1
        return (token, ticket)
    }

    func uploadTicket(_ token: String) -> SignedUpload? { uploadTickets[token] }

    /// Stores what a `PUT` brought; the URL is spent.
    func storeUpload(token: String, ticket: SignedUpload, bytes: [UInt8]) {
        uploadTickets[token] = nil
        uploaded[ticket.key] = StoredUpload(contentType: ticket.contentType, bytes: bytes)
        counters.uploadsStored += 1
    }

    func upload(_ key: String) -> StoredUpload? { uploaded[key] }
}
