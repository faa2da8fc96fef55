import APIContract
import Core

extension Components.Schemas.CurrentUser {
    init(_ user: User) {
        self.init(
            id: user.id.description, email: user.email.value, firstName: user.firstName, lastName: user.lastName,
            isActive: user.isActive, isSuperuser: user.isSuperuser
        )
    }
}
