package dev.saescope.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout rules of issue 8, checked on the compiled main classes of every module (this module
 * sees them all): no cycle between packages, Avro's generated classes only at the serde edge, the
 * runtime free of Kafka, the aggregator free of DJL and the broker.
 */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            // Main code only: test classes (any build folder, -DbuildDirName too) and other
            // modules' test jars (TinyWorld, EmbeddedKafkaExtension) are left out.
            .withImportOption(
                location ->
                    !location.contains("/test-classes/") && !location.contains("-tests.jar"))
            .importPackages("dev.saescope");
  }

  @Test
  void noCycleBetweenPackages() {
    slices().matching("dev.saescope.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void avroClassesAppearOnlyInTheSerdePackage() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.saescope.schemas.serde..", "dev.saescope.avro..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.saescope.avro..")
        .check(main);
  }

  @Test
  void theRuntimeKnowsNoKafka() {
    noClasses()
        .that()
        .resideInAPackage("dev.saescope.runtime..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.kafka..", "dev.saescope.common..", "picocli..")
        .check(main);
  }

  @Test
  void theAggregatorKnowsNeitherDjlNorTheBroker() {
    noClasses()
        .that()
        .resideInAPackage("dev.saescope.aggregator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "ai.djl..", "kafka..", "org.apache.kafka.server..", "dev.saescope.broker..")
        .check(main);
  }
}
