import HTTPTypes
import Hummingbird
import VicSee

/// Puts `SimulatorHeader` on every answer of the simulated service — successes, refusals and files — so
/// that a client never takes the simulator for the real service, however it reached it.
struct SimulatorHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[HTTPField.Name(SimulatorHeader.name)!] = SimulatorHeader.value
        return response
    }
}
