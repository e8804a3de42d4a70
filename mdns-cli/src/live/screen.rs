//! The terminal under the live table: whether standard output is one, its size, and a
//! screen redrawn in place (the alternate screen, cursor hidden, restored on drop, so
//! the shell's screen comes back as it was). crossterm does the escape sequences and,
//! on Windows, the console calls. No table logic here (`render` has it).

use std::io::{self, IsTerminal, Write};

use crossterm::{cursor, queue, style, terminal};

/// The size assumed when the terminal does not say.
const FALLBACK: (usize, usize) = (80, 24);

/// True if standard output is a terminal (not a pipe or a file).
pub fn is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Columns and lines of the terminal.
pub fn size() -> (usize, usize) {
    match terminal::size() {
        Ok((cols, rows)) if cols > 0 && rows > 0 => (usize::from(cols), usize::from(rows)),
        _ => FALLBACK,
    }
}

/// The alternate screen, for as long as this lives.
pub struct Screen {
    out: io::Stdout,
}

impl Screen {
    /// Switches to the alternate screen and hides the cursor.
    pub fn enter() -> io::Result<Screen> {
        let mut out = io::stdout();
        queue!(out, terminal::EnterAlternateScreen, cursor::Hide)?;
        out.flush()?;
        Ok(Screen { out })
    }

    /// Replaces what is on the screen with `lines` (each no wider than the terminal).
    pub fn draw(&mut self, lines: &[String]) -> io::Result<()> {
        for (row, line) in lines.iter().enumerate() {
            let row = u16::try_from(row).unwrap_or(u16::MAX);
            queue!(
                self.out,
                cursor::MoveTo(0, row),
                style::Print(line),
                terminal::Clear(terminal::ClearType::UntilNewLine)
            )?;
        }
        let below = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        queue!(
            self.out,
            cursor::MoveTo(0, below),
            terminal::Clear(terminal::ClearType::FromCursorDown)
        )?;
        self.out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = queue!(self.out, cursor::Show, terminal::LeaveAlternateScreen);
        let _ = self.out.flush();
    }
}
