//! Conversions between RGBA8 and I420 with BT.601 limited-range coefficients,
//! the convention of YUV4MPEG2 files and most 8-bit video tools.

/// Converts one RGB pixel to limited-range Y, U, V.
pub fn rgb_to_yuv(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
    let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
    let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    (clamp(y), clamp(u), clamp(v))
}

/// Converts one limited-range Y, U, V sample to RGB.
pub fn yuv_to_rgb(y: u8, u: u8, v: u8) -> (u8, u8, u8) {
    let c = i32::from(y) - 16;
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    let r = (298 * c + 409 * e + 128) >> 8;
    let g = (298 * c - 100 * d - 208 * e + 128) >> 8;
    let b = (298 * c + 516 * d + 128) >> 8;
    (clamp(r), clamp(g), clamp(b))
}

fn clamp(value: i32) -> u8 {
    value.clamp(0, 255) as u8
}

/// Converts RGBA8 pixels to I420. Chroma is the mean of each 2x2 block
/// (of the pixels that exist, at odd edges); alpha is discarded.
pub fn rgba_to_i420(width: u32, height: u32, rgba: &[u8]) -> Vec<u8> {
    let (width, height) = (width as usize, height as usize);
    let (chroma_width, chroma_height) = (width.div_ceil(2), height.div_ceil(2));
    let mut out = vec![0u8; width * height + 2 * chroma_width * chroma_height];
    let (luma, chroma) = out.split_at_mut(width * height);
    let (u_plane, v_plane) = chroma.split_at_mut(chroma_width * chroma_height);

    for (index, pixel) in rgba.chunks_exact(4).enumerate().take(width * height) {
        luma[index] = rgb_to_yuv(pixel[0], pixel[1], pixel[2]).0;
    }
    for chroma_y in 0..chroma_height {
        for chroma_x in 0..chroma_width {
            let (mut u_sum, mut v_sum, mut count) = (0u32, 0u32, 0u32);
            for y in (chroma_y * 2)..(chroma_y * 2 + 2).min(height) {
                for x in (chroma_x * 2)..(chroma_x * 2 + 2).min(width) {
                    let offset = (y * width + x) * 4;
                    let (_, u, v) = rgb_to_yuv(rgba[offset], rgba[offset + 1], rgba[offset + 2]);
                    u_sum += u32::from(u);
                    v_sum += u32::from(v);
                    count += 1;
                }
            }
            let index = chroma_y * chroma_width + chroma_x;
            u_plane[index] = ((u_sum + count / 2) / count) as u8;
            v_plane[index] = ((v_sum + count / 2) / count) as u8;
        }
    }
    out
}

/// Converts I420 to RGBA8 with alpha 255; each chroma sample covers a 2x2 block.
pub fn i420_to_rgba(width: u32, height: u32, i420: &[u8]) -> Vec<u8> {
    let (width, height) = (width as usize, height as usize);
    let chroma_width = width.div_ceil(2);
    let chroma_size = chroma_width * height.div_ceil(2);
    let (luma, chroma) = i420.split_at(width * height);
    let (u_plane, v_plane) = chroma.split_at(chroma_size);
    let mut out = Vec::with_capacity(width * height * 4);
    for y in 0..height {
        for x in 0..width {
            let chroma_index = (y / 2) * chroma_width + x / 2;
            let (r, g, b) = yuv_to_rgb(
                luma[y * width + x],
                u_plane[chroma_index],
                v_plane[chroma_index],
            );
            out.extend_from_slice(&[r, g, b, 255]);
        }
    }
    out
}
