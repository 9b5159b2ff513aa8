package dev.saescope.runtime.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DtypeChoiceTest {
  // Abridged from real /proc/cpuinfo texts: an AMD EPYC with AVX2 only (this machine's kind), a
  // Sapphire Rapids Xeon (AMX), a Zen 4 EPYC (AVX-512-BF16, no AMX).
  private static final String EPYC_AVX2 =
      "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n"
          + "flags\t\t: fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 sha_ni\n"
          + "bugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: fpu avx2\n";
  private static final String XEON_AMX =
      "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\n"
          + "flags\t\t: fpu avx2 avx512f avx512bw avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8\n";
  private static final String ZEN4 =
      "processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu avx2 avx512f avx512_bf16\n";

  @Test
  void autoPicksFp32OnAvx2OnlyCpu() {
    CpuFeatures cpu = CpuFeatures.parse(EPYC_AVX2);
    assertFalse(cpu.fastBf16());
    assertTrue(cpu.flags().contains("avx2"));
    assertEquals(ComputeDtype.FP32, DtypeChoice.parse("auto").resolve(Device.cpu(), cpu));
  }

  @Test
  void autoPicksBf16WithAmxOrAvx512Bf16() {
    assertEquals(
        ComputeDtype.BF16,
        DtypeChoice.parse("auto").resolve(Device.cpu(), CpuFeatures.parse(XEON_AMX)));
    assertEquals(
        ComputeDtype.BF16,
        DtypeChoice.parse("auto").resolve(Device.cpu(), CpuFeatures.parse(ZEN4)));
  }

  @Test
  void autoPicksBf16OnCuda() {
    assertEquals(
        ComputeDtype.BF16,
        DtypeChoice.parse("auto").resolve(Device.gpu(0), CpuFeatures.parse(EPYC_AVX2)));
  }

  @Test
  void noFlagsLineMeansNoFastBf16() {
    assertFalse(CpuFeatures.parse("processor : 0\nFeatures : fp asimd bf16\n").fastBf16());
    assertFalse(CpuFeatures.parse("").fastBf16());
  }

  @Test
  void fixedChoiceWinsOverDetection() {
    CpuFeatures amx = CpuFeatures.parse(XEON_AMX);
    assertEquals(ComputeDtype.FP32, DtypeChoice.parse("fp32").resolve(Device.cpu(), amx));
    assertEquals(ComputeDtype.FP16, DtypeChoice.parse("FP16").resolve(Device.cpu(), amx));
    assertEquals("bf16", DtypeChoice.parse("bfloat16").resolve(Device.cpu(), amx).label());
    assertThrows(IllegalArgumentException.class, () -> DtypeChoice.parse("int8"));
  }

  @Test
  void thisMachineIsDetectedNotAssumed() {
    // Whatever the flags here, detect() agrees with parsing the same text.
    CpuFeatures here = CpuFeatures.detect();
    assertEquals(
        here.flags().contains("amx_bf16") || here.flags().contains("avx512_bf16"), here.fastBf16());
  }

  @Test
  void deviceParsing() {
    assertEquals(DeviceChoice.CPU, DeviceChoice.parse("cpu"));
    assertEquals(new DeviceChoice("cuda", 0), DeviceChoice.parse("cuda"));
    assertEquals(new DeviceChoice("cuda", 2), DeviceChoice.parse("cuda:2"));
    assertEquals(Device.cpu(), DeviceChoice.parse("auto").resolve(0));
    assertEquals(Device.gpu(0), DeviceChoice.parse("auto").resolve(1));
    assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse("cuda:x"));
    assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse("tpu"));
    assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse("cuda:1").resolve(1));
  }
}
