/// Where a new VM goes: a pure function of the hosts as they are, so it is tested without I/O and
/// decided inside the transaction that allocates on the chosen host.
public enum Placement {
    public struct Choice: Sendable, Equatable {
        public let host: HypervisorHost
        /// The image the host's driver builds the template from (nil for ISO VMs and simulated hosts).
        public let image: String?
    }

    /// The enabled host that is not down, with room for `size` (and an image for `template`, when there is one) that
    /// keeps the most room free afterwards, measured as the smallest share left of any dimension: VMs
    /// spread over hosts instead of filling one after the other. Ties go to the host with fewer VMs,
    /// then to the lower id, so the choice is deterministic. Nil when no host fits.
    public static func choose(for size: VMSize, template: VMTemplate?, among hosts: [HypervisorHost]) -> Choice? {
        var best: (choice: Choice, score: Double)?
        for host in hosts where host.takesNewVMs {
            let image: String?
            if let template {
                guard let available = template.image(for: host.driver) else { continue }
                image = available
            } else {
                image = nil
            }
            guard let score = roomLeft(on: host, after: size) else { continue }
            let choice = Choice(host: host, image: image)
            if let current = best {
                let better =
                    score > current.score
                    || (score == current.score
                        && (host.vmCount, host.id.description) < (current.choice.host.vmCount, current.choice.host.id.description))
                if better { best = (choice, score) }
            } else {
                best = (choice, score)
            }
        }
        return best?.choice
    }

    /// The smallest share of any dimension left free after placing `size`; nil when it does not fit.
    static func roomLeft(on host: HypervisorHost, after size: VMSize) -> Double? {
        let total = host.capacity.allocatable
        let left = host.free - size
        guard left.cpu >= 0, left.memoryGB >= 0, left.diskGB >= 0, total.cpu > 0, total.memoryGB > 0, total.diskGB > 0 else {
            return nil
        }
        return min(
            Double(left.cpu) / Double(total.cpu), Double(left.memoryGB) / Double(total.memoryGB), Double(left.diskGB) / Double(total.diskGB)
        )
    }
}
