//! PNG thermal maps (in progress)
