import Foundation
import Hummingbird
import LifelineAuth
import NIOCore

/// A file a signed-in official uploads from a page (`multipart/form-data`): the body is read up to
/// `CONSOLE_UPLOAD_MAX_BYTES`, the form token and origin are checked, and the field `file` must hold
/// bytes. Anything else is already answered: sign-in, refusal, too large, or the form again with
/// its problem.
extension Console {
    enum FileReceipt {
        case received(SignedIn, MultipartForm.File)
        case answered(Response)

        var response: Response? {
            if case .answered(let response) = self { return response }
            return nil
        }
    }

    func receiveFile(
        _ request: Request, roles: Set<Role>, formAgain: (SignedIn, String) -> Outcome
    ) async -> FileReceipt {
        let (found, redirect) = await signedInOrRedirect(request)
        guard let signedIn = found else { return .answered(redirect!) }
        guard roles.contains(signedIn.role) else {
            return .answered(render(
                .page(template: "error", title: "无权访问", values: ["heading": "无权访问", "message": "您的账号角色不能上传这类文件。"], status: .forbidden),
                request: request, signedIn: signedIn))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: settings.uploadMaximumBytes + 64 * 1024)
        } catch {
            let limit = settings.uploadMaximumBytes / (1024 * 1024)
            return .answered(render(
                .page(template: "error", title: "文件过大", values: ["heading": "文件过大", "message": "单个文件不能超过\(limit) MB，请拆分后上传。"], status: .contentTooLarge),
                request: request, signedIn: signedIn))
        }
        guard let form = MultipartForm(body: body, contentType: request.headers[.contentType] ?? "") else {
            return .answered(render(formAgain(signedIn, "没有收到文件，请重新选择文件上传。"), request: request, signedIn: signedIn))
        }
        guard let token = form.fields["_csrf"],
            formTokenMatches(FormData("_csrf=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")), expected: signedIn.session.formToken),
            originMatches(request)
        else {
            return .answered(render(.page(template: "error", title: "请求无效", values: Self.refusedForm, status: .forbidden), request: request, signedIn: signedIn))
        }
        guard let file = form.files["file"], file.bytes.readableBytes > 0 else {
            return .answered(render(formAgain(signedIn, "请选择要上传的文件（CSV 或 XLSX）"), request: request, signedIn: signedIn))
        }
        return .received(signedIn, file)
    }

    /// The content type a service expects for an uploaded file, by its name.
    static func uploadType(_ fileName: String) -> String {
        fileName.lowercased().hasSuffix(".xlsx") ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv"
    }
}
