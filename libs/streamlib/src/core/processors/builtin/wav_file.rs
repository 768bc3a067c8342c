//! Checks a WAV file before it is read, so that a wrong file fails when the
//! reader is added instead of halfway through the stream.
//!
//! hound decodes the samples but reports neither the format tag of an
//! unsupported file nor a data chunk cut short, so this module walks the
//! RIFF chunks itself for those two facts and leaves the rest to hound.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

const FORMAT_PCM: u16 = 0x0001;
const FORMAT_IEEE_FLOAT: u16 = 0x0003;
const FORMAT_EXTENSIBLE: u16 = 0xfffe;

/// Sample format and length of a readable WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WavLayout {
    pub sample_rate: u32,
    pub channels: u16,
    /// Samples per channel in the file.
    pub frames: u64,
    pub bits_per_sample: u16,
    pub float: bool,
}

impl fmt::Display for WavLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encoding = if self.float { "float" } else { "PCM" };
        write!(
            f,
            "{}-bit {encoding}, {} Hz, {} channel(s), {} samples per channel",
            self.bits_per_sample, self.sample_rate, self.channels, self.frames
        )
    }
}

/// Position and encoding of the sample data, from the chunk headers.
struct ChunkSummary {
    format_tag: u16,
    /// For `WAVE_FORMAT_EXTENSIBLE`, the format code inside its sub-format GUID.
    sub_format: Option<u16>,
    data_offset: u64,
    data_len: u64,
}

/// Checks that `path` is a complete, uncompressed WAV file that the reader
/// supports. The error message names the path and the reason.
pub(crate) fn probe_wav(path: &Path) -> Result<WavLayout, String> {
    let display_path = path.display();
    let file =
        File::open(path).map_err(|error| format!("cannot open '{display_path}': {error}"))?;
    let file_len = file
        .metadata()
        .map_err(|error| format!("cannot read the size of '{display_path}': {error}"))?
        .len();
    let mut reader = BufReader::new(file);
    let chunks = read_chunk_summary(&mut reader)
        .map_err(|reason| format!("'{display_path}' is not a readable WAV file: {reason}"))?;

    check_encoding(&chunks).map_err(|reason| format!("'{display_path}': {reason}"))?;
    let available = file_len.saturating_sub(chunks.data_offset);
    if chunks.data_len > available {
        return Err(format!(
            "'{display_path}' is truncated: its data chunk declares {} bytes but only {available} follow the header",
            chunks.data_len
        ));
    }

    reader
        .seek(SeekFrom::Start(0))
        .map_err(|error| format!("cannot read '{display_path}': {error}"))?;
    let wav = hound::WavReader::new(reader)
        .map_err(|error| format!("'{display_path}' is not a readable WAV file: {error}"))?;
    layout_from_spec(wav.spec(), u64::from(wav.duration()))
        .map_err(|reason| format!("'{display_path}': {reason}"))
}

fn layout_from_spec(spec: hound::WavSpec, frames: u64) -> Result<WavLayout, String> {
    let float = spec.sample_format == hound::SampleFormat::Float;
    let supported = if float {
        spec.bits_per_sample == 32
    } else {
        matches!(spec.bits_per_sample, 8 | 16 | 24 | 32)
    };
    if !supported {
        let kind = if float { "float" } else { "integer" };
        return Err(format!(
            "{}-bit {kind} samples are not supported; use 8, 16, 24 or 32-bit integer or 32-bit float PCM",
            spec.bits_per_sample
        ));
    }
    if spec.sample_rate == 0 || spec.channels == 0 {
        return Err(format!(
            "its header declares {} Hz with {} channel(s); a playable WAV needs both above 0",
            spec.sample_rate, spec.channels
        ));
    }
    Ok(WavLayout {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        frames,
        bits_per_sample: spec.bits_per_sample,
        float,
    })
}

fn check_encoding(chunks: &ChunkSummary) -> Result<(), String> {
    let code = match (chunks.format_tag, chunks.sub_format) {
        (FORMAT_EXTENSIBLE, Some(code)) => code,
        (FORMAT_EXTENSIBLE, None) => {
            return Err("its WAVE_FORMAT_EXTENSIBLE header has no sub-format".to_owned());
        }
        (tag, _) => tag,
    };
    if code == FORMAT_PCM || code == FORMAT_IEEE_FLOAT {
        return Ok(());
    }
    Err(format!(
        "compressed WAV ({}, format tag 0x{code:04x}) is not supported; convert it to PCM first, \
         for example with `ffmpeg -i IN -c:a pcm_s16le OUT.wav`",
        format_name(code)
    ))
}

fn format_name(code: u16) -> &'static str {
    match code {
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0055 => "MPEG layer 3",
        _ => "unknown encoding",
    }
}

/// Walks the chunks up to `data`, remembering the format tag on the way.
fn read_chunk_summary(reader: &mut impl Read) -> Result<ChunkSummary, String> {
    let mut header = [0u8; 12];
    read_exact(reader, &mut header, "the RIFF header")?;
    if &header[0..4] == b"RF64" {
        return Err("RF64 files (WAV over 4 GiB) are not supported".to_owned());
    }
    if &header[0..4] != b"RIFF" || &header[8..12] != b"WAVE" {
        return Err("it does not start with a RIFF/WAVE header".to_owned());
    }

    let mut offset = 12u64;
    let mut format: Option<(u16, Option<u16>)> = None;
    loop {
        let mut chunk = [0u8; 8];
        read_exact(reader, &mut chunk, "a chunk header")?;
        offset += 8;
        let id = [chunk[0], chunk[1], chunk[2], chunk[3]];
        let len = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        match &id {
            b"data" => {
                let (format_tag, sub_format) =
                    format.ok_or("its data chunk comes before any fmt chunk")?;
                return Ok(ChunkSummary {
                    format_tag,
                    sub_format,
                    data_offset: offset,
                    data_len: len,
                });
            }
            b"fmt " => {
                // The fields read here sit in the first 26 bytes; anything
                // past 64 is skipped so a corrupt length cannot allocate much.
                let head_len = len.min(64);
                let mut body = vec![0u8; head_len as usize];
                read_exact(reader, &mut body, "the fmt chunk")?;
                skip(reader, len - head_len)?;
                format = Some(parse_format(&body)?);
            }
            _ => skip(reader, len)?,
        }
        // Chunks of odd length carry one pad byte.
        let pad = len % 2;
        skip(reader, pad)?;
        offset += len + pad;
    }
}

/// Returns the format tag and, for `WAVE_FORMAT_EXTENSIBLE`, the code in
/// the first two bytes of the sub-format GUID.
fn parse_format(body: &[u8]) -> Result<(u16, Option<u16>), String> {
    if body.len() < 16 {
        return Err(format!(
            "its fmt chunk is {} bytes long; at least 16 are required",
            body.len()
        ));
    }
    let tag = u16::from_le_bytes([body[0], body[1]]);
    let sub_format = (tag == FORMAT_EXTENSIBLE && body.len() >= 26)
        .then(|| u16::from_le_bytes([body[24], body[25]]));
    Ok((tag, sub_format))
}

fn read_exact(reader: &mut impl Read, buffer: &mut [u8], what: &str) -> Result<(), String> {
    reader.read_exact(buffer).map_err(|error| {
        if error.kind() == std::io::ErrorKind::UnexpectedEof {
            format!("the file ends inside {what}")
        } else {
            format!("reading {what} failed: {error}")
        }
    })
}

fn skip(reader: &mut impl Read, len: u64) -> Result<(), String> {
    let skipped = std::io::copy(&mut reader.take(len), &mut std::io::sink())
        .map_err(|error| format!("reading the file failed: {error}"))?;
    if skipped < len {
        return Err("the file ends inside a chunk".to_owned());
    }
    Ok(())
}
