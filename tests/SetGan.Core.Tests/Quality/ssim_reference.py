"""Reference SSIM values for SsimTests, computed with scikit-image (Debian python3-skimage).

Run with: /usr/bin/python3 ssim_reference.py
The test images are formulas, so SsimTests rebuilds them bit for bit in float32.
"""
import numpy as np
import skimage
from skimage.metrics import structural_similarity

W, H = 40, 30
c, y, x = np.meshgrid(np.arange(3), np.arange(H), np.arange(W), indexing="ij")

def f32(a):
    return a.astype(np.float32).astype(np.float64)

ramp = f32(((x * 7 + y * 13 + c * 29) % 256) / 255.0)
ramp_distorted = f32(((x * 7 + y * 13 + c * 29 + ((x * y) % 17) * 5) % 256) / 255.0)
waves = f32(0.5 + 0.4 * np.sin(x / 5.0 + c) * np.cos(y / 7.0))
waves_shifted = f32(0.5 + 0.4 * np.sin((x + 2) / 5.0 + c) * np.cos(y / 7.0))
waves_dark = f32(0.25 + 0.2 * np.sin(x / 5.0 + c) * np.cos(y / 7.0))

def ssim(a, b):
    return structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                 data_range=1.0, channel_axis=0)

print("scikit-image", skimage.__version__)
for name, a, b in [("ramp_vs_distorted", ramp, ramp_distorted), ("waves_vs_shifted", waves, waves_shifted),
                   ("waves_vs_dark", waves, waves_dark)]:
    print(f"{name} {ssim(a, b):.10f}")
