/// The response header by which a simulator of the service says that an answer is not the real
/// service's. imagepipe's simulator sends it on every answer, embedded or run alone (`imagepipe
/// simulate`); the client remembers seeing it (`VicSeeClient.answersAreSimulated`), so the outputs of a
/// simulator used as `--backend vicsee` are marked simulated too, besides the label in their PNGs.
public enum SimulatorHeader {
    public static let name = "X-Imagepipe-Simulator"
    public static let value = "simulated answer, not VicSee"
}
