//! The YUV4MPEG2 (Y4M) container for 8-bit 4:2:0 video: a header line such
//! as `YUV4MPEG2 W640 H480 F30000:1001 Ip A1:1 C420jpeg`, then per frame a
//! line starting with `FRAME` and the Y, U and V planes, which is the byte
//! layout of `PixelFormat::I420`.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::core::frames::PixelFormat;
use crate::core::processors::Period;

const SIGNATURE: &str = "YUV4MPEG2";
const FRAME_TAG: &[u8] = b"FRAME";
/// Maximum length of a header or frame line; real ones are under 100 bytes.
const MAX_LINE: usize = 4096;
const MAX_DIMENSION: u32 = 16_384;
/// Chroma tags that mean 8-bit 4:2:0; they differ only in chroma siting.
/// A header without a C tag is 4:2:0 too.
const CHROMA_420: [&str; 4] = ["420", "420jpeg", "420paldv", "420mpeg2"];

/// A frame rate as the exact fraction `numerator / denominator` per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameRate {
    pub numerator: u32,
    pub denominator: u32,
}

impl FrameRate {
    /// Parses `30000:1001`, `30000/1001` or `25`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (numerator, denominator) = match text.split_once([':', '/']) {
            Some((numerator, denominator)) => (numerator, denominator),
            None => (text, "1"),
        };
        let parse = |part: &str| part.trim().parse::<u32>().ok().filter(|&value| value > 0);
        match (parse(numerator), parse(denominator)) {
            (Some(numerator), Some(denominator)) => Ok(Self {
                numerator,
                denominator,
            }),
            _ => Err(format!(
                "'{text}' is not a frame rate; use whole numbers like 25 or 30000:1001"
            )),
        }
    }

    /// Returns the time between frames, exact in nanoseconds.
    pub fn period(self) -> Period {
        Period::new(
            1_000_000_000 * u64::from(self.denominator),
            u64::from(self.numerator),
        )
    }

    /// Returns the rate whose period is `interval_ns`, snapped to `n:1` or
    /// `n:1001` when one of those is within 2 ns, since sources round each
    /// timestamp down to whole nanoseconds.
    pub fn from_interval_ns(interval_ns: u64) -> Option<Self> {
        if interval_ns == 0 {
            return None;
        }
        for denominator in [1u64, 1001] {
            let numerator = (1_000_000_000 * denominator + interval_ns / 2) / interval_ns;
            if numerator == 0 || numerator > u64::from(u32::MAX) {
                continue;
            }
            let exact = 1_000_000_000 * denominator as i128 / numerator as i128;
            if (exact - interval_ns as i128).abs() <= 2 {
                return Some(Self {
                    numerator: numerator as u32,
                    denominator: denominator as u32,
                });
            }
        }
        let divisor = gcd(1_000_000_000, interval_ns);
        let numerator = u32::try_from(1_000_000_000 / divisor).ok()?;
        let denominator = u32::try_from(interval_ns / divisor).ok()?;
        Some(Self {
            numerator,
            denominator,
        })
    }
}

impl fmt::Display for FrameRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.numerator, self.denominator)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The stream parameters from a Y4M header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Y4mHeader {
    pub width: u32,
    pub height: u32,
    pub rate: FrameRate,
}

impl Y4mHeader {
    /// Bytes of one frame's planes, without its `FRAME` line.
    pub fn frame_size(&self) -> usize {
        PixelFormat::I420.frame_size(self.width, self.height)
    }

    /// Formats the header line that the writer emits, newline included.
    pub fn header_line(self) -> String {
        format!(
            "{SIGNATURE} W{} H{} F{} Ip A1:1 C420jpeg\n",
            self.width, self.height, self.rate
        )
    }

    /// Parses a header line without its newline.
    pub fn parse(line: &str) -> Result<Self, String> {
        let mut tags = line.split(' ');
        if tags.next() != Some(SIGNATURE) {
            return Err(format!("it does not start with '{SIGNATURE}'"));
        }
        let (mut width, mut height, mut rate) = (None, None, None);
        for tag in tags.filter(|tag| !tag.is_empty()) {
            let (key, value) = tag.split_at(1);
            match key {
                "W" => width = Some(parse_dimension("width", value)?),
                "H" => height = Some(parse_dimension("height", value)?),
                "F" => rate = Some(FrameRate::parse(value)?),
                "C" if !CHROMA_420.contains(&value) => {
                    return Err(format!(
                        "chroma format C{value} is not supported; only 8-bit 4:2:0 is (C420, C420jpeg, C420paldv, C420mpeg2 or no C tag)"
                    ));
                }
                // NOTE: interlaced files (I tag t, b or m) are read as
                // progressive frames; aspect (A) and extensions (X) are ignored.
                _ => {}
            }
        }
        Ok(Self {
            width: width.ok_or("its header has no width (W tag)")?,
            height: height.ok_or("its header has no height (H tag)")?,
            rate: rate.ok_or("its header has no frame rate (F tag)")?,
        })
    }
}

fn parse_dimension(name: &str, value: &str) -> Result<u32, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|size| (1..=MAX_DIMENSION).contains(size))
        .ok_or_else(|| format!("{name} '{value}' is invalid; it must be 1 to {MAX_DIMENSION}"))
}

/// An open Y4M file positioned at a frame boundary.
pub(crate) struct Y4mInput {
    reader: BufReader<File>,
    pub header: Y4mHeader,
}

impl fmt::Debug for Y4mInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Y4mInput")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl Y4mInput {
    /// Opens `path` and reads its header. Errors name the path and reason.
    pub fn open(path: &Path) -> Result<Self, String> {
        let display_path = path.display();
        let file =
            File::open(path).map_err(|error| format!("cannot open '{display_path}': {error}"))?;
        let mut reader = BufReader::new(file);
        let line = read_line(&mut reader)
            .map_err(|reason| format!("'{display_path}' is not a Y4M file: {reason}"))?
            .ok_or_else(|| format!("'{display_path}' is empty, not a Y4M file"))?;
        let line = String::from_utf8(line)
            .map_err(|_| format!("'{display_path}' is not a Y4M file: its header is not text"))?;
        let header = Y4mHeader::parse(&line)
            .map_err(|reason| format!("'{display_path}' is not a supported Y4M file: {reason}"))?;
        Ok(Self { reader, header })
    }

    /// Reads the next frame's planes, or `None` at a clean end of file.
    pub fn read_frame(&mut self) -> Result<Option<Vec<u8>>, String> {
        let Some(line) = read_line(&mut self.reader)? else {
            return Ok(None);
        };
        if !line.starts_with(FRAME_TAG) {
            return Err("a frame does not start with a FRAME line".to_owned());
        }
        let mut planes = vec![0u8; self.header.frame_size()];
        self.reader.read_exact(&mut planes).map_err(|error| {
            if error.kind() == std::io::ErrorKind::UnexpectedEof {
                "the file ends inside a frame; it is truncated".to_owned()
            } else {
                format!("reading a frame failed: {error}")
            }
        })?;
        Ok(Some(planes))
    }

    /// Skips the next frame; returns false at a clean end of file.
    pub fn skip_frame(&mut self) -> Result<bool, String> {
        let Some(line) = read_line(&mut self.reader)? else {
            return Ok(false);
        };
        if !line.starts_with(FRAME_TAG) {
            return Err("a frame does not start with a FRAME line".to_owned());
        }
        let size = self.header.frame_size() as u64;
        let skipped = std::io::copy(&mut (&mut self.reader).take(size), &mut std::io::sink())
            .map_err(|error| format!("reading a frame failed: {error}"))?;
        if skipped < size {
            return Err("the file ends inside a frame; it is truncated".to_owned());
        }
        Ok(true)
    }
}

/// Checks every frame of `path` and returns the header and frame count, so
/// that a truncated or malformed file fails before the stream starts.
pub(crate) fn probe_y4m(path: &Path) -> Result<(Y4mHeader, u64), String> {
    let mut input = Y4mInput::open(path)?;
    let mut frames = 0u64;
    loop {
        match input.skip_frame() {
            Ok(true) => frames += 1,
            Ok(false) => return Ok((input.header, frames)),
            Err(reason) => {
                return Err(format!(
                    "'{}' is damaged at frame {frames}: {reason}",
                    path.display()
                ));
            }
        }
    }
}

/// Reads one line up to `\n`, without it; `None` at end of file.
fn read_line(reader: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut line = Vec::new();
    let read = reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|error| format!("reading failed: {error}"))?;
    if read == 0 {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(if line.len() >= MAX_LINE {
            format!("a header line is longer than {MAX_LINE} bytes")
        } else {
            "the file ends inside a header line; it is truncated".to_owned()
        });
    }
    Ok(Some(line))
}
