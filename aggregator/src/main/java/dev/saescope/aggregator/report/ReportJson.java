package dev.saescope.aggregator.report;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.aggregator.analysis.Cell;
import dev.saescope.aggregator.stats.Estimate;
import java.io.IOException;

/**
 * report.json: the whole {@link RunReport}, every table. Names are snake_case (as the CSV columns);
 * an estimate is {@code {"value", "ci_low", "ci_high", "n"}} plus {@code "p"} where a test applies;
 * an absent cell is {@code {"absent": reason}}; NaN and infinities are written as null. The
 * document starts with {@code "format": 1}.
 */
public final class ReportJson {
  /** The layout version; bump it on any change a reader would notice. */
  public static final int FORMAT = 1;

  private static final ObjectMapper MAPPER = mapper();

  private ReportJson() {}

  /** The report as indented JSON. */
  public static String write(RunReport report) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.setAll((ObjectNode) MAPPER.valueToTree(report));
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("report of run " + report.runId() + " not serializable", e);
    }
  }

  private static ObjectMapper mapper() {
    SimpleModule m = new SimpleModule("saescope-report");
    m.addSerializer(Estimate.class, new EstimateSerializer());
    m.addSerializer(Cell.class, new CellSerializer());
    m.addSerializer(Double.class, new FiniteSerializer());
    m.addSerializer(Double.TYPE, new FiniteSerializer());
    ObjectMapper mapper = new ObjectMapper().registerModule(m);
    // Fields only: the records' components, not helper methods like isPresent().
    mapper.setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE);
    mapper.setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
    // The CSV's column names, so that "nextQEnd" is next_q_end in both.
    mapper.setPropertyNamingStrategy(
        new PropertyNamingStrategies.NamingBase() {
          @Override
          public String translate(String name) {
            return ReportCsv.snake(name);
          }
        });
    mapper.enable(SerializationFeature.INDENT_OUTPUT);
    return mapper;
  }

  static void number(JsonGenerator g, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumber(v);
    } else {
      g.writeNull();
    }
  }

  private static final class FiniteSerializer extends JsonSerializer<Double> {
    @Override
    public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
      number(g, v);
    }
  }

  private static final class EstimateSerializer extends JsonSerializer<Estimate> {
    @Override
    public void serialize(Estimate e, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeStartObject();
      g.writeFieldName("value");
      number(g, e.value());
      g.writeFieldName("ci_low");
      number(g, e.ciLow());
      g.writeFieldName("ci_high");
      number(g, e.ciHigh());
      g.writeNumberField("n", e.n());
      if (!Double.isNaN(e.p())) {
        g.writeNumberField("p", e.p());
      }
      g.writeEndObject();
    }
  }

  private static final class CellSerializer extends JsonSerializer<Cell> {
    @Override
    public void serialize(Cell c, JsonGenerator g, SerializerProvider p) throws IOException {
      if (c.isPresent()) {
        p.defaultSerializeValue(c.estimate(), g);
      } else {
        g.writeStartObject();
        g.writeStringField("absent", c.absentReason());
        g.writeEndObject();
      }
    }
  }
}
