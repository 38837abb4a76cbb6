"""The device's eye: frame sources, decoders, the scan loop and keyboard-wedge input (DESIGN §4).

Importing this package (or any module in it) loads no camera or decoder library: `cv2`,
`numpy`, `zxingcpp`, `pyzbar` and `picamera2` are imported inside the functions that use them.
"""
