# Lists public declarations of the library targets that have no `///` doc comment.
#
#   find Sources/SOLCore Sources/Solver Sources/Corrector Sources/ZOTrain Sources/SOL -name '*.swift' \
#     | sort | xargs awk -f scripts/undocumented.awk
#
# Prints `file:line: declaration` for each one and nothing when every declaration is documented.
# A declaration counts as documented when the nearest non-blank line above it (attributes such as
# `@inlinable` or `@_specialize(...)` skipped) is a `///` line. Not listed, because DocC shows the
# documentation of what they implement or hides them:
#   - members implementing a protocol requirement of this package, by file (`*Scenario.swift`:
#     Scenario, `*SourceSolver.swift`: SourceSolver, `*Simulator*.swift`: Simulator, objectives: ZOObjective, estimators:
#     GradientEstimator, optimizers: Optimizer, schedules: LearningRateSchedule, methods:
#     TrainingMethod, HDF5Scalar.swift: HDF5Scalar), and `description` (CustomStringConvertible);
#   - Codable's `init(from:)` / `encode(to:)`, and `_`-prefixed members (the C boundary of FFTScalar).
# `-v all=1` lists the protocol members too.

function witness(file, name) {
    if (all) return 0
    if (name == "description") return 1
    if (name ~ /^_/) return 1
    if (file ~ /Scenario\.swift$/ && name ~ /^(name|init|channels|sourceGrid|referenceGrid|factor|dt|domain|defaultWarmup|blowUpLimit|parameterNames|conditioningParameter|validate|makeSource|makeReference|initialStates|downsample|defaultParameters|with)$/) return 1
    if (file ~ /SourceSolver\.swift$/ && name ~ /^(solverName|channels|sourceGrid|dt|boundary|parameterNames|conditioningParameter|blowUpLimit|providesAdjoint|startWorker|sourceSimulator|differentiableSourceSimulator)$/) return 1
    if (file ~ /Simulator[^\/]*\.swift$/ && name ~ /^(channels|gridShape|batchSize|parameters|dt|step|stepVJP)$/) return 1
    if (file ~ /(Objective|ObjectiveWorker)\.swift$/ && name ~ /^(parameterCount|parameters|prepare|coordinateLosses|directionLosses|makeWorker|queryCost)$/) return 1
    if (file ~ /Estimator\.swift$/ && name ~ /^estimate$/) return 1
    if (file ~ /(Adam|SGD)\.swift$/ && name ~ /^(update|state|load)$/) return 1
    if (file ~ /LearningRateSchedule\.swift$/ && name ~ /^rate$/) return 1
    if (file ~ /Method\.swift$/ && name ~ /^(kind|step)$/) return 1
    if (file ~ /HDF5Scalar\.swift$/ && name ~ /^hdf5(MemoryType|FileType|Name)$/) return 1
    return 0
}

# The declared name: after func/var/let/case/init/subscript/typealias/struct/... keywords.
function declared(s,    t) {
    t = s
    sub(/^(@[A-Za-z_]+(\([^)]*\))? *)*/, "", t)
    gsub(/(public|open|static|final|mutating|nonisolated|override|private\(set\)|prefix|postfix|indirect|convenience|required) /, "", t)
    if (t ~ /^init[(<?]/) return "init"
    sub(/^(func|var|let|case|subscript|typealias|struct|class|enum|protocol|actor) +/, "", t)
    match(t, /^[A-Za-z_][A-Za-z0-9_]*/)
    if (RSTART == 1) return substr(t, 1, RLENGTH)
    return t
}

FNR == 1 { doc = 0 }
{
    s = $0
    sub(/^[ \t]+/, "", s)
    if (s ~ /^\/\/\//) { doc = 1; next }
    if (s ~ /^(@[A-Za-z_]+(\([^)]*\))? *)+$/) next   # attributes on their own line
    if (s ~ /^(@[A-Za-z_]+(\([^)]*\))? *)*(public|open) / && s !~ /^(public |open )?extension /) {
        if (!doc && s !~ /init\(from decoder/ && s !~ /func encode\(to encoder/ && !witness(FILENAME, declared(s)))
            print FILENAME ":" FNR ": " s
    }
    if (s != "") doc = 0
}
