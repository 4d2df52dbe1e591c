package corpus

// CleanerVersion names the cleaning, FAQ detection and splitting rules. Bump
// it whenever they change what passages a document gives, so that saved
// indexes built by the old rules are rebuilt even though no document
// changed.
const CleanerVersion = "clean-v3"
