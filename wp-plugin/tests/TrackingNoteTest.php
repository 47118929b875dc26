<?php
/**
 * A tracking number in an order note to the customer: read out of the note, put on the order as meta,
 * the order saved with a new date_modified (so WooCommerce sends order.updated).
 *
 * The note is a real WordPress comment; the order is the stand-in (support/woocommerce-standin.php), and
 * the hook is fired as WooCommerce 11's WC_Order::add_order_note fires it (comment, is_customer_note meta,
 * then woocommerce_order_note_added). The plugin on a real WooCommerce: e2e/WooCommerceTest.php.
 *
 * @package Sapa
 */

/**
 * Tracking notes.
 */
class TrackingNoteTest extends Sapa_Test_Case {

	/**
	 * A saved stand-in order on a real post.
	 *
	 * @return Sapa_Test_Order
	 */
	private function order() {
		$order     = new Sapa_Test_Order();
		$order->id = self::factory_post();
		$order->save();
		return $order;
	}

	/**
	 * A post to hang the order's notes on.
	 *
	 * @return int
	 */
	private static function factory_post() {
		return (int) wp_insert_post(
			array(
				'post_title'  => 'Order',
				'post_status' => 'publish',
			)
		);
	}

	/**
	 * As WC_Order::add_order_note: the comment, its is_customer_note meta, then the action.
	 *
	 * @param Sapa_Test_Order $order    Order.
	 * @param string          $note     Text.
	 * @param bool            $customer A note to the customer.
	 * @return int Note id.
	 */
	private function add_note( Sapa_Test_Order $order, $note, $customer ) {
		$note_id = wp_insert_comment(
			array(
				'comment_post_ID'  => $order->get_id(),
				'comment_author'   => 'WooCommerce',
				'comment_content'  => $note,
				'comment_agent'    => 'WooCommerce',
				'comment_type'     => 'order_note',
				'comment_approved' => 1,
			)
		);
		if ( $customer ) {
			add_comment_meta( $note_id, 'is_customer_note', 1 );
		}
		do_action( 'woocommerce_order_note_added', $note_id, $order );
		return $note_id;
	}

	public function test_numbers_are_found_as_shops_write_them() {
		$cases = array(
			'Pesanan sudah dikirim via JNE, no resi: CGK1234567890'             => 'CGK1234567890',
			'Halo kak, paket sudah dikirim ya. Resi J&T Express JP0123456789 🙏' => 'JP0123456789',
			'No. Resi SiCepat : 000123456789'                                  => '000123456789',
			'Nomor resi anteraja untuk pesanan #1042 adalah 10000123456789.'   => '10000123456789',
			'Your order has shipped! Tracking number: 1Z999AA10123456784'      => '1Z999AA10123456784',
			'AWB spx: spxid0123456789'                                         => 'SPXID0123456789',
			'<p>Tracking #: <strong>JX1234567890</strong></p>'                 => 'JX1234567890',
			'Sudah dikirim (resi&nbsp;JNE&nbsp;CGK1234567890)'                 => 'CGK1234567890',
		);
		foreach ( $cases as $note => $number ) {
			$this->assertSame( $number, Sapa_Tracking_Note::tracking_number( $note ), $note );
		}
	}

	public function test_no_number_where_there_is_none() {
		$notes = array(
			'Terima kasih sudah berbelanja, pesanan sedang dikemas.',
			'Resi menyusul besok ya kak, total Rp 250.000',
			'Resi akan dikirim ke WhatsApp 081234567890',
			'Resi dikirim tanggal 2026-12-03',
			'Nomor resi pesanan #100234 menyusul',
			'Paket dikirim via JNE: CGK1234567890',
			'resiko pengiriman ditanggung pembeli, CGK1234567890',
			'',
		);
		foreach ( $notes as $note ) {
			$this->assertNull( Sapa_Tracking_Note::tracking_number( $note ), $note );
		}
	}

	public function test_a_customer_note_puts_the_number_on_the_order_and_saves_it() {
		$order  = $this->order();
		$before = time();
		$this->add_note( $order, 'Pesanan sudah dikirim via JNE, no resi: CGK1234567890', true );

		$stored = wc_get_order( $order->get_id() );
		$this->assertSame( 'CGK1234567890', $stored->get_meta( '_sapa_tracking_number' ) );
		$this->assertGreaterThanOrEqual( $before, $stored->date_modified, 'a new date_modified: WooCommerce sends order.updated' );
		$this->assertSame( 2, $stored->saves );
		$this->assertSame( '', $order->get_meta( '_sapa_tracking_number' ), "the caller's object is left alone" );

		$this->add_note( $order, 'Resi: CGK1234567890 (sama seperti tadi)', true );
		$this->assertSame( 2, wc_get_order( $order->get_id() )->saves, 'the same number again saves nothing' );

		$this->add_note( $order, 'Maaf, resi yang benar: CGK9876543210', true );
		$stored = wc_get_order( $order->get_id() );
		$this->assertSame( 'CGK9876543210', $stored->get_meta( '_sapa_tracking_number' ), 'a corrected number replaces it' );
		$this->assertSame( 3, $stored->saves );
	}

	public function test_private_notes_and_notes_without_a_number_change_nothing() {
		$order = $this->order();
		$this->add_note( $order, 'Resi: CGK1234567890', false );
		$this->add_note( $order, 'Terima kasih, pesanan sedang dikemas', true );

		$stored = wc_get_order( $order->get_id() );
		$this->assertSame( '', $stored->get_meta( '_sapa_tracking_number' ) );
		$this->assertSame( 1, $stored->saves );
		$this->assertNull( $stored->date_modified );
	}
}
