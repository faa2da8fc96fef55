import APIContract
import Core

/// `UserPage` (openapi.yaml) written straight from the domain's page of members, for the
/// hand-encoded `GET /users`: the same members, fields and formats as
/// `Components.Schemas.UserPage(page)` through `JSONEncoder`, which `HandEncodedRouteTests` checks.
extension Page<Member> {
    func writeUserPage(to json: inout JSONWriter) {
        json.beginObject()
        json.key("items")
        json.beginArray()
        for member in items {
            json.beginObject()
            json.key("id")
            json.string(member.profile.id.description)
            json.key("email")
            json.string(member.profile.email.value)
            json.key("first_name")
            json.string(member.profile.firstName)
            json.key("last_name")
            json.string(member.profile.lastName)
            json.key("is_active")
            json.bool(member.membership.isActive)
            json.key("is_superuser")
            json.bool(member.profile.isSuperuser)
            json.key("roles")
            json.beginArray()
            for role in member.roleNames { json.string(role) }
            json.endArray()
            json.key("joined_at")
            json.string(RFC3339DateTranscoder.format(member.membership.createdAt))
            json.endObject()
        }
        json.endArray()
        json.key("total")
        json.int(total)
        json.key("page")
        json.int(request.page)
        json.key("limit")
        json.int(request.limit)
        json.endObject()
    }
}
