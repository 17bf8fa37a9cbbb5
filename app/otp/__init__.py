"""OTP core: policy, codes, verifications and their rules — plain Python.

Redis, Flask and the delivery channels sit behind the small interfaces in
:mod:`app.otp.ports` and :mod:`app.otp.ports`.
"""
