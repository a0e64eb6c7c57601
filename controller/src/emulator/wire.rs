//! Modbus TCP on the wire, server side: the MBAP frame and the request/response PDUs of the
//! function codes the emulator serves (1–6, 15, 16). The emulator frames connections itself
//! (instead of tokio-modbus's `Server`, whose accept loop ends — dropping every client — on
//! the first accept error).

use std::borrow::Cow;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_modbus::{ExceptionCode, Request, Response};

/// Longest PDU Modbus allows, bytes.
const MAX_PDU: usize = 253;

/// One request frame: transaction id, unit id, PDU.
pub(crate) struct Frame {
    pub(crate) transaction: u16,
    pub(crate) unit: u8,
    pub(crate) pdu: Vec<u8>,
}

/// Reads one MBAP frame. `Ok(None)` at a clean end of stream; an error for a frame that is not
/// Modbus TCP (protocol id ≠ 0, length out of range): the connection is then closed.
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<Frame>> {
    let mut header = [0u8; 7];
    match r.read_exact(&mut header).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let protocol = u16::from_be_bytes([header[2], header[3]]);
    let len = usize::from(u16::from_be_bytes([header[4], header[5]]));
    if protocol != 0 || !(2..=MAX_PDU + 1).contains(&len) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a Modbus TCP frame (protocol {protocol}, length {len})"),
        ));
    }
    let mut pdu = vec![0u8; len - 1];
    r.read_exact(&mut pdu).await?;
    Ok(Some(Frame {
        transaction: u16::from_be_bytes([header[0], header[1]]),
        unit: header[6],
        pdu,
    }))
}

/// The reply frame for `frame`: `pdu` wrapped in an MBAP header.
pub(crate) fn reply(frame: &Frame, pdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(7 + pdu.len());
    out.extend_from_slice(&frame.transaction.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&((pdu.len() + 1) as u16).to_be_bytes());
    out.push(frame.unit);
    out.extend_from_slice(pdu);
    out
}

fn word(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Decodes a request PDU; a malformed or unsupported one is answered with the exception.
pub(crate) fn decode_request(pdu: &[u8]) -> Result<Request<'static>, ExceptionCode> {
    let fc = *pdu.first().ok_or(ExceptionCode::IllegalFunction)?;
    if !matches!(fc, 1..=6 | 15 | 16) {
        return Err(ExceptionCode::IllegalFunction);
    }
    let bad = ExceptionCode::IllegalDataValue;
    let a = word(pdu, 1).ok_or(bad)?;
    let b = word(pdu, 3).ok_or(bad)?;
    let exact = |n: usize| if pdu.len() == n { Ok(()) } else { Err(bad) };
    match fc {
        1..=4 => {
            exact(5)?;
            Ok(match fc {
                1 => Request::ReadCoils(a, b),
                2 => Request::ReadDiscreteInputs(a, b),
                3 => Request::ReadHoldingRegisters(a, b),
                _ => Request::ReadInputRegisters(a, b),
            })
        }
        5 => {
            exact(5)?;
            match b {
                0xFF00 => Ok(Request::WriteSingleCoil(a, true)),
                0x0000 => Ok(Request::WriteSingleCoil(a, false)),
                _ => Err(bad),
            }
        }
        6 => {
            exact(5)?;
            Ok(Request::WriteSingleRegister(a, b))
        }
        15 => {
            let n = usize::from(b);
            let bytes = usize::from(*pdu.get(5).ok_or(bad)?);
            if bytes != n.div_ceil(8) || pdu.len() != 6 + bytes {
                return Err(bad);
            }
            let bits: Vec<bool> = (0..n)
                .map(|i| pdu[6 + i / 8] & (1 << (i % 8)) != 0)
                .collect();
            Ok(Request::WriteMultipleCoils(a, Cow::Owned(bits)))
        }
        16 => {
            let n = usize::from(b);
            let bytes = usize::from(*pdu.get(5).ok_or(bad)?);
            if bytes != 2 * n || pdu.len() != 6 + bytes {
                return Err(bad);
            }
            let words: Vec<u16> = (0..n).filter_map(|i| word(pdu, 6 + 2 * i)).collect();
            Ok(Request::WriteMultipleRegisters(a, Cow::Owned(words)))
        }
        _ => Err(ExceptionCode::IllegalFunction),
    }
}

/// Encodes a response PDU (the responses the emulator's service produces).
pub(crate) fn encode_response(r: &Response) -> Vec<u8> {
    let bits = |fc: u8, v: &[bool]| {
        let mut out = vec![fc, v.len().div_ceil(8) as u8];
        out.resize(2 + v.len().div_ceil(8), 0);
        for (i, on) in v.iter().enumerate() {
            if *on {
                out[2 + i / 8] |= 1 << (i % 8);
            }
        }
        out
    };
    let words = |fc: u8, v: &[u16]| {
        let mut out = vec![fc, (2 * v.len()) as u8];
        for w in v {
            out.extend_from_slice(&w.to_be_bytes());
        }
        out
    };
    let pair = |fc: u8, a: u16, b: u16| {
        let mut out = vec![fc];
        out.extend_from_slice(&a.to_be_bytes());
        out.extend_from_slice(&b.to_be_bytes());
        out
    };
    match r {
        Response::ReadCoils(v) => bits(1, v),
        Response::ReadDiscreteInputs(v) => bits(2, v),
        Response::ReadHoldingRegisters(v) => words(3, v),
        Response::ReadInputRegisters(v) => words(4, v),
        Response::WriteSingleCoil(a, on) => pair(5, *a, if *on { 0xFF00 } else { 0 }),
        Response::WriteSingleRegister(a, w) => pair(6, *a, *w),
        Response::WriteMultipleCoils(a, n) => pair(15, *a, *n),
        Response::WriteMultipleRegisters(a, n) => pair(16, *a, *n),
        // The service answers nothing else; a device failure is the honest reply.
        _ => exception(
            r.function_code().value(),
            ExceptionCode::ServerDeviceFailure,
        ),
    }
}

/// An exception response PDU for function code `fc`.
pub(crate) fn exception(fc: u8, code: ExceptionCode) -> Vec<u8> {
    vec![fc | 0x80, u8::from(code)]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn requests_decode_and_malformed_ones_are_answered() {
        assert_eq!(
            decode_request(&[15, 0, 0, 0, 3, 1, 0b101]).unwrap(),
            Request::WriteMultipleCoils(0, Cow::Owned(vec![true, false, true]))
        );
        assert_eq!(
            decode_request(&[16, 0, 1, 0, 2, 4, 0, 7, 0, 0]).unwrap(),
            Request::WriteMultipleRegisters(1, Cow::Owned(vec![7, 0]))
        );
        assert_eq!(
            decode_request(&[5, 0, 1, 0xFF, 0]).unwrap(),
            Request::WriteSingleCoil(1, true)
        );
        let bad = ExceptionCode::IllegalDataValue;
        assert_eq!(decode_request(&[5, 0, 1, 0x12, 0x34]), Err(bad));
        assert_eq!(decode_request(&[16, 0, 1, 0, 2, 3, 0, 7, 0]), Err(bad));
        assert_eq!(decode_request(&[4, 0, 0]), Err(bad));
        assert_eq!(decode_request(&[0x64]), Err(ExceptionCode::IllegalFunction));
    }

    #[test]
    fn responses_encode_as_the_spec_says() {
        let coils = Response::ReadCoils(vec![
            true, false, true, true, false, false, false, false, true,
        ]);
        assert_eq!(encode_response(&coils), [1, 2, 0b0000_1101, 0b1]);
        let regs = Response::ReadInputRegisters(vec![0x1234, 0xABCD]);
        assert_eq!(encode_response(&regs), [4, 4, 0x12, 0x34, 0xAB, 0xCD]);
        let echo = Response::WriteSingleCoil(3, true);
        assert_eq!(encode_response(&echo), [5, 0, 3, 0xFF, 0]);
        assert_eq!(
            exception(3, ExceptionCode::IllegalDataAddress),
            [0x83, 0x02]
        );
    }
}
