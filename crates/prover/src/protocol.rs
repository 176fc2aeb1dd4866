//! The coordinator–prover wire protocol (docs/proving.md): over TCP, frames of a u32 big-endian
//! length then that many bytes (at most [`MAX_FRAME_LEN`]); each frame is one [`Message`]: a kind
//! byte then the RLP of its fields. `Hello` and `VersionMismatch` put the protocol version as two
//! big-endian bytes right after the kind byte, in every version, so that any two versions can
//! tell each other apart.

use alloy_primitives::{Address, Bytes};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The protocol version this build speaks. Bump it on any change of a message's layout.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest frame either side accepts, in bytes (256 MiB: a batch input with its witness fits
/// many times over).
pub const MAX_FRAME_LEN: u32 = 256 << 20;

/// What a proof is, as the OnChainProposer's verifiers take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProofKind {
    /// No cryptographic proof (development deployments made with `--dev-no-verifier`).
    Exec = 0,
    /// A 65-byte ECDSA signature over the batch's EIP-712 attestation digest, for the k-of-n
    /// `AttestationVerifier`.
    Attestation = 1,
}

impl ProofKind {
    /// The kind of byte `byte` (0 exec, 1 attestation), None for another.
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Exec),
            1 => Some(Self::Attestation),
            _ => None,
        }
    }

    /// `exec` or `attestation`, as the CLI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exec => "exec",
            Self::Attestation => "attestation",
        }
    }
}

impl std::fmt::Display for ProofKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Encodable for ProofKind {
    fn encode(&self, out: &mut dyn alloy_rlp::BufMut) {
        (*self as u8).encode(out)
    }

    fn length(&self) -> usize {
        (*self as u8).length()
    }
}

impl Decodable for ProofKind {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        Self::from_byte(u8::decode(buf)?).ok_or(alloy_rlp::Error::Custom("unknown proof kind"))
    }
}

/// Prover -> coordinator, first frame of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The prover's [`PROTOCOL_VERSION`].
    pub version: u16,
    /// A name for logs and the proof record (the host name by default).
    pub prover_id: String,
    /// What the prover's backend produces.
    pub backend: ProofKind,
    /// The attester address the backend signs with (zero for other backends): the coordinator
    /// gives one batch to several attesters when the verifier needs k of n signatures, never
    /// twice to the same.
    pub signer: Address,
}

/// The fields of [`Hello`] after its version.
#[derive(RlpEncodable, RlpDecodable)]
struct HelloFields {
    prover_id: String,
    backend: ProofKind,
    signer: Address,
}

/// Coordinator -> prover, answering a [`Hello`] it takes: what a backend binds a proof to.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Welcome {
    /// Chain id of the L1 (the EIP-712 domain's chain id).
    pub l1_chain_id: u64,
    /// The OnChainProposer proxy (the EIP-712 verifying contract).
    pub on_chain_proposer: Address,
    /// The verifier ids the proposer requires, ascending (empty on a `--dev-no-verifier`
    /// deployment).
    pub verifier_ids: Vec<u8>,
    /// Id of the attestation verifier (the EIP-712 salt), 0 when there is none.
    pub attestation_verifier_id: u8,
}

/// Coordinator -> prover: a batch to prove.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Assignment {
    pub batch_number: u64,
    /// The guest program's input for the batch.
    pub input: Bytes,
    /// Seconds until the coordinator gives the batch to another prover.
    pub deadline_seconds: u64,
}

/// Prover -> coordinator: the proof of a batch.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct ProofReport {
    pub batch_number: u64,
    pub backend: ProofKind,
    /// Proof bytes in the verifier's format (empty for exec, 65 bytes r ‖ s ‖ v for attestation).
    pub proof: Bytes,
    /// The ABI-encoded public inputs the guest computed (256 bytes).
    pub public_inputs: Bytes,
}

/// A batch number with a reason (`Failed`, `Rejected`).
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct BatchReason {
    pub batch_number: u64,
    pub reason: String,
}

#[derive(RlpEncodable, RlpDecodable)]
struct Text {
    text: String,
}

#[derive(RlpEncodable, RlpDecodable)]
struct Number {
    value: u64,
}

/// One frame's message. The kind byte of each is in brackets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// [1] Prover: who it is and what it speaks.
    Hello(Hello),
    /// [2] Coordinator: the connection is taken.
    Welcome(Welcome),
    /// [3] Coordinator: the prover's version is not the coordinator's; the connection closes.
    VersionMismatch { coordinator_version: u16 },
    /// [4] Coordinator: the prover cannot serve this deployment (e.g. an exec prover where
    /// attestations are needed); the connection closes.
    Refused { reason: String },
    /// [5] Prover: give me a batch.
    WorkRequest,
    /// [6] Coordinator: prove this batch.
    Assignment(Assignment),
    /// [7] Coordinator: nothing to prove; ask again after this many milliseconds.
    NoWork { retry_after_ms: u64 },
    /// [8] Prover: a batch's proof.
    Proof(ProofReport),
    /// [9] Prover: proving the batch failed (the guest refused it, the backend panicked).
    Failed(BatchReason),
    /// [10] Coordinator: the proof or failure report is recorded.
    Accepted { batch_number: u64 },
    /// [11] Coordinator: the proof is refused (and not stored).
    Rejected(BatchReason),
}

/// A frame or message that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the peer closed the connection")]
    Closed,
    #[error("frame of {len} bytes exceeds the {MAX_FRAME_LEN}-byte limit")]
    FrameTooLarge { len: u64 },
    #[error("empty frame")]
    EmptyFrame,
    #[error("unknown message kind {0}")]
    UnknownKind(u8),
    #[error("malformed {kind} message: {reason}")]
    Malformed { kind: &'static str, reason: String },
}

impl Message {
    /// The message's name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Hello(_) => "Hello",
            Self::Welcome(_) => "Welcome",
            Self::VersionMismatch { .. } => "VersionMismatch",
            Self::Refused { .. } => "Refused",
            Self::WorkRequest => "WorkRequest",
            Self::Assignment(_) => "Assignment",
            Self::NoWork { .. } => "NoWork",
            Self::Proof(_) => "Proof",
            Self::Failed(_) => "Failed",
            Self::Accepted { .. } => "Accepted",
            Self::Rejected(_) => "Rejected",
        }
    }

    /// The frame payload: kind byte, then the fields (see the module doc).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Self::Hello(hello) => {
                out.push(1);
                out.extend_from_slice(&hello.version.to_be_bytes());
                HelloFields {
                    prover_id: hello.prover_id.clone(),
                    backend: hello.backend,
                    signer: hello.signer,
                }
                .encode(&mut out);
            }
            Self::Welcome(welcome) => {
                out.push(2);
                welcome.encode(&mut out);
            }
            Self::VersionMismatch { coordinator_version } => {
                out.push(3);
                out.extend_from_slice(&coordinator_version.to_be_bytes());
            }
            Self::Refused { reason } => {
                out.push(4);
                Text { text: reason.clone() }.encode(&mut out);
            }
            Self::WorkRequest => out.push(5),
            Self::Assignment(assignment) => {
                out.push(6);
                assignment.encode(&mut out);
            }
            Self::NoWork { retry_after_ms } => {
                out.push(7);
                Number { value: *retry_after_ms }.encode(&mut out);
            }
            Self::Proof(report) => {
                out.push(8);
                report.encode(&mut out);
            }
            Self::Failed(failure) => {
                out.push(9);
                failure.encode(&mut out);
            }
            Self::Accepted { batch_number } => {
                out.push(10);
                Number { value: *batch_number }.encode(&mut out);
            }
            Self::Rejected(rejection) => {
                out.push(11);
                rejection.encode(&mut out);
            }
        }
        out
    }

    /// Parses a frame payload; refuses unknown kinds, bad fields and trailing bytes.
    pub fn decode(payload: &[u8]) -> Result<Self, ProtocolError> {
        let (&kind, mut rest) = payload.split_first().ok_or(ProtocolError::EmptyFrame)?;
        let message = match kind {
            1 => {
                let version = take_version(&mut rest, "Hello")?;
                let fields: HelloFields = fields(&mut rest, "Hello")?;
                Self::Hello(Hello {
                    version,
                    prover_id: fields.prover_id,
                    backend: fields.backend,
                    signer: fields.signer,
                })
            }
            2 => Self::Welcome(fields(&mut rest, "Welcome")?),
            3 => Self::VersionMismatch {
                coordinator_version: take_version(&mut rest, "VersionMismatch")?,
            },
            4 => Self::Refused { reason: fields::<Text>(&mut rest, "Refused")?.text },
            5 => Self::WorkRequest,
            6 => Self::Assignment(fields(&mut rest, "Assignment")?),
            7 => Self::NoWork { retry_after_ms: fields::<Number>(&mut rest, "NoWork")?.value },
            8 => Self::Proof(fields(&mut rest, "Proof")?),
            9 => Self::Failed(fields(&mut rest, "Failed")?),
            10 => Self::Accepted { batch_number: fields::<Number>(&mut rest, "Accepted")?.value },
            11 => Self::Rejected(fields(&mut rest, "Rejected")?),
            other => return Err(ProtocolError::UnknownKind(other)),
        };
        if !rest.is_empty() {
            return Err(ProtocolError::Malformed {
                kind: message.name(),
                reason: format!("{} bytes after the message", rest.len()),
            });
        }
        Ok(message)
    }
}

fn take_version(rest: &mut &[u8], kind: &'static str) -> Result<u16, ProtocolError> {
    let Some((version, tail)) = rest.split_first_chunk::<2>() else {
        return Err(ProtocolError::Malformed { kind, reason: "no protocol version".into() });
    };
    *rest = tail;
    Ok(u16::from_be_bytes(*version))
}

fn fields<T: Decodable>(rest: &mut &[u8], kind: &'static str) -> Result<T, ProtocolError> {
    T::decode(rest).map_err(|e| ProtocolError::Malformed { kind, reason: e.to_string() })
}

/// Writes `message` as one frame.
pub async fn write_message<W: AsyncWrite + Unpin>(
    writer: &mut W,
    message: &Message,
) -> Result<(), ProtocolError> {
    let payload = message.encode();
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|len| *len <= MAX_FRAME_LEN)
        .ok_or(ProtocolError::FrameTooLarge { len: payload.len() as u64 })?;
    let mut frame = Vec::with_capacity(payload.len() + 4);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&payload);
    writer.write_all(&frame).await?;
    writer.flush().await?;
    Ok(())
}

/// Reads one frame and its message. [`ProtocolError::Closed`] when the peer closed the
/// connection between frames; the buffer grows with the bytes received, so a length announced
/// but not sent costs no memory.
pub async fn read_message<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Message, ProtocolError> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(ProtocolError::Closed);
        }
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len);
    if len > MAX_FRAME_LEN {
        return Err(ProtocolError::FrameTooLarge { len: len.into() });
    }
    let mut payload = Vec::new();
    reader.take(len.into()).read_to_end(&mut payload).await?;
    if payload.len() != len as usize {
        return Err(ProtocolError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    Message::decode(&payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_message() -> Vec<Message> {
        let reason = BatchReason { batch_number: 7, reason: "guest: missing node 0xab".into() };
        vec![
            Message::Hello(Hello {
                version: PROTOCOL_VERSION,
                prover_id: "gpu-1".into(),
                backend: ProofKind::Attestation,
                signer: Address::repeat_byte(5),
            }),
            Message::Welcome(Welcome {
                l1_chain_id: 31_337,
                on_chain_proposer: Address::repeat_byte(9),
                verifier_ids: vec![1, 4],
                attestation_verifier_id: 1,
            }),
            Message::VersionMismatch { coordinator_version: 3 },
            Message::Refused { reason: "needs attestation".into() },
            Message::WorkRequest,
            Message::Assignment(Assignment {
                batch_number: u64::MAX,
                input: Bytes::from(vec![0; 1000]),
                deadline_seconds: 600,
            }),
            Message::NoWork { retry_after_ms: 0 },
            Message::Proof(ProofReport {
                batch_number: 1,
                backend: ProofKind::Exec,
                proof: Bytes::new(),
                public_inputs: Bytes::from(vec![1; 256]),
            }),
            Message::Failed(reason.clone()),
            Message::Accepted { batch_number: 2 },
            Message::Rejected(reason),
        ]
    }

    #[test]
    fn every_message_round_trips_through_a_frame() {
        let messages = every_message();
        let kinds: Vec<u8> = messages.iter().map(|m| m.encode()[0]).collect();
        assert_eq!(kinds, (1..=11).collect::<Vec<u8>>());
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut wire = Vec::new();
            for message in &messages {
                write_message(&mut wire, message).await.unwrap();
            }
            let mut reader = wire.as_slice();
            for message in &messages {
                assert_eq!(&read_message(&mut reader).await.unwrap(), message);
            }
            assert!(matches!(read_message(&mut reader).await, Err(ProtocolError::Closed)));
        });
    }

    #[test]
    fn the_version_of_any_hello_is_readable() {
        // A Hello of a later version with fields this one does not know: the version still
        // reads, which is all a coordinator needs to answer VersionMismatch.
        let mut payload = vec![1, 0, 9];
        payload.extend_from_slice(&[0xc3, 0x01, 0x02, 0x03]);
        let mut rest = &payload[1..];
        assert_eq!(take_version(&mut rest, "Hello").unwrap(), 9);
        assert!(matches!(Message::decode(&payload), Err(ProtocolError::Malformed { .. })));
        let mismatch = Message::VersionMismatch { coordinator_version: 1 }.encode();
        assert_eq!(mismatch, vec![3, 0, 1]);
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        let cases: [&[u8]; 8] =
            [&[], &[0], &[12], &[1], &[1, 0], &[2, 0xff, 0xff], &[5, 0], &[8, 0xc1, 0x01]];
        for payload in cases {
            assert!(Message::decode(payload).is_err(), "{payload:?}");
        }
        let mut unknown_kind = Message::Proof(ProofReport {
            batch_number: 1,
            backend: ProofKind::Exec,
            proof: Bytes::new(),
            public_inputs: Bytes::new(),
        })
        .encode();
        // backend byte sits after the batch number: [8, list header, 0x01, 0x80 (Exec = 0)...]
        assert_eq!(&unknown_kind[2..4], &[0x01, 0x80]);
        unknown_kind[3] = 0x07;
        let err = Message::decode(&unknown_kind).unwrap_err();
        assert!(err.to_string().contains("unknown proof kind"), "{err}");
    }

    #[test]
    fn oversized_and_cut_frames_are_refused() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let too_long = (MAX_FRAME_LEN + 1).to_be_bytes();
            let err = read_message(&mut &too_long[..]).await.unwrap_err();
            assert!(matches!(err, ProtocolError::FrameTooLarge { .. }), "{err}");
            // A length announced but only partly sent.
            let mut cut = 100u32.to_be_bytes().to_vec();
            cut.extend_from_slice(&[5; 10]);
            let err = read_message(&mut cut.as_slice()).await.unwrap_err();
            assert!(matches!(err, ProtocolError::Io(_)), "{err}");
            // Half a length prefix.
            let err = read_message(&mut &[0u8, 0][..]).await.unwrap_err();
            assert!(matches!(err, ProtocolError::Closed), "{err}");
        });
    }
}
