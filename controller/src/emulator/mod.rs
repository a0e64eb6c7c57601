//! Rig emulator (in progress)
