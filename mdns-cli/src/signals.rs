//! Stopping on request: the signals (unix) or console control events (Windows) that
//! end a running command set one flag, which the command loops check between events;
//! they then withdraw what they registered (goodbyes) and exit 0.
//!
//! - unix: SIGINT and SIGTERM, through `signal-hook` (async-signal-safe: the handler
//!   only stores to the flag).
//! - Windows: `SetConsoleCtrlHandler` for Ctrl-C, Ctrl-Break, the console window being
//!   closed, logoff and shutdown. For the last three Windows ends the process as soon
//!   as the handler returns, so the handler holds on for `CLOSE_GRACE` while the main
//!   thread sends the goodbyes and exits (`std::process::exit` ends the wait early).
//!   Under Wine, a SIGINT to the program is delivered as Ctrl-C.

use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Makes `stop` true when the user or the system asks the command to end.
#[cfg(unix)]
pub fn install(stop: &Arc<AtomicBool>) -> io::Result<()> {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(stop))?;
    }
    Ok(())
}

/// How long a Windows handler keeps the process alive after a close, logoff or
/// shutdown event: the goodbyes' bound plus a margin, under the 5 s Windows allows a
/// console program to handle a close.
#[cfg(windows)]
pub const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_millis(4500);

/// Makes `stop` true when the user or the system asks the command to end.
#[cfg(windows)]
pub fn install(stop: &Arc<AtomicBool>) -> io::Result<()> {
    use std::sync::atomic::Ordering;
    use std::sync::OnceLock;
    use windows_sys::core::BOOL;
    use windows_sys::Win32::System::Console::{
        SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_C_EVENT, CTRL_LOGOFF_EVENT,
        CTRL_SHUTDOWN_EVENT,
    };

    static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

    /// Runs on a thread Windows starts for the event.
    unsafe extern "system" fn on_event(kind: u32) -> BOOL {
        let Some(stop) = STOP.get() else {
            return 0;
        };
        match kind {
            CTRL_C_EVENT | CTRL_BREAK_EVENT => {
                stop.store(true, Ordering::Release);
                1
            }
            CTRL_CLOSE_EVENT | CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT => {
                stop.store(true, Ordering::Release);
                std::thread::sleep(CLOSE_GRACE);
                1
            }
            _ => 0,
        }
    }

    if STOP.set(Arc::clone(stop)).is_err() {
        return Err(io::Error::other("the console handler is already installed"));
    }
    // SAFETY: `on_event` is a valid handler for the life of the process; it touches
    // only a static set before it is installed.
    if unsafe { SetConsoleCtrlHandler(Some(on_event), 1) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
